import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import java.nio.file.Path;

/**
 * helm install / upgrade / uninstall through helm-java (Helm as a library, as the tests use it; no helm
 * binary can be installed here), for bin/demo --in-cluster. Run with Java's source launcher on the operator's
 * test classpath:
 *
 * <pre>
 *   java -cp CLASSPATH testhosts/HelmRelease.java install|upgrade RELEASE CHART NAMESPACE KUBECONFIG [KEY=VALUE...]
 *   java -cp CLASSPATH testhosts/HelmRelease.java uninstall RELEASE NAMESPACE KUBECONFIG
 * </pre>
 */
public class HelmRelease {
  public static void main(String[] args) {
    if (args.length >= 4 && args[0].equals("uninstall")) {
      System.out.println(Helm.uninstall(args[1]).withNamespace(args[2]).withKubeConfig(Path.of(args[3])).call().strip());
      return;
    }
    if (args.length < 5 || !(args[0].equals("install") || args[0].equals("upgrade"))) {
      System.err.println("usage: HelmRelease install|upgrade RELEASE CHART NAMESPACE KUBECONFIG [KEY=VALUE...] "
          + "| uninstall RELEASE NAMESPACE KUBECONFIG");
      System.exit(2);
    }
    Helm chart = new Helm(Path.of(args[2]));
    Release r;
    if (args[0].equals("install")) {
      var install = chart.install().withName(args[1]).withNamespace(args[3]).createNamespace().withKubeConfig(Path.of(args[4]));
      for (int i = 5; i < args.length; i++) {
        String[] kv = args[i].split("=", 2);
        install.set(kv[0], kv[1]);
      }
      r = install.call();
    } else {
      var upgrade = chart.upgrade().withName(args[1]).withNamespace(args[3]).withKubeConfig(Path.of(args[4]));
      for (int i = 5; i < args.length; i++) {
        String[] kv = args[i].split("=", 2);
        upgrade.set(kv[0], kv[1]);
      }
      r = upgrade.call();
    }
    System.out.println("release " + r.getName() + " revision " + r.getRevision() + " " + r.getStatus());
  }
}
