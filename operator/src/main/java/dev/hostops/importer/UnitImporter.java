package dev.hostops.importer;

import dev.hostops.api.HostService;
import dev.hostops.unit.UnitFile;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A hand-written unit in the runbook's shape (pull, stop, rm, {@code docker run} in the foreground)
 * read into the HostService that renders a unit doing the same, plus Secret skeletons for its env
 * and config files (values left for the user to fill in). What the resource cannot express is
 * listed, never silently dropped. Pure: facts about the host's files come in as {@link FileFacts}.
 */
public final class UnitImporter {
  static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private UnitImporter() {}

  /** What the host says about a path a unit names: a regular file (with its mode), a directory, or unknown. */
  public interface FileFacts {
    /** "file", "dir", or null when unknown (importing from files alone). */
    String kind(String path);

    /** Octal mode of a regular file ("600"), or null when unknown. */
    String mode(String path);

    FileFacts NONE = new FileFacts() {
      @Override
      public String kind(String path) {
        return null;
      }

      @Override
      public String mode(String path) {
        return null;
      }
    };
  }

  /** A unit that is not in the runbook's shape at all (no {@code docker run} to import). */
  public static final class NotImportableException extends Exception {
    public NotImportableException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * @param service   the HostService, {@code adopt: true}
   * @param secrets   skeletons for the env and config files it references, values to fill in
   * @param notes     what the resource cannot express, one line each
   */
  public record Imported(HostService service, List<Secret> secrets, List<String> notes) {
    /** The unit's own name when it could not name the HostService (spec.replaces names it), else null. */
    public String renamedFrom() {
      String r = service.getSpec().replaces;
      return r == null ? null : r.replaceFirst("[.]service$", "");
    }
  }

  public static Imported read(String unitFileName, String service, String timer, List<String> hosts, FileFacts facts)
      throws NotImportableException {
    String unitName = unitFileName.replaceFirst(".*/", "").replaceFirst("\\.service$", "");
    String name = proposedName(unitName);
    if (name == null) {
      throw new NotImportableException(unitFileName + ": '" + unitName + "' cannot name a HostService and has no "
          + "letters or digits to make one of: rename the unit first");
    }
    return new UnitReading(name, unitName, UnitFile.parse(service), timer == null ? null : UnitFile.parse(timer), hosts,
        facts).read();
  }

  /**
   * A HostService name for a unit name: itself when valid, else lowercased, every run of other characters
   * made one '-', cut to 63 ("museum.nginx" is "museum-nginx"); null when nothing is left.
   */
  public static String proposedName(String unitName) {
    if (NAME.matcher(unitName).matches()) {
      return unitName;
    }
    String n = unitName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+", "");
    if (n.length() > 63) {
      n = n.substring(0, 63);
    }
    n = n.replaceAll("-+$", "");
    return n.isEmpty() ? null : n;
  }
}
