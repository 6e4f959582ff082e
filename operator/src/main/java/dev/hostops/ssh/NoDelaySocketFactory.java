package dev.hostops.ssh;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/** Without TCP_NODELAY every round trip waits ~40 ms for a delayed ACK (measured, DESIGN.md). */
final class NoDelaySocketFactory extends SocketFactory {
  private final SocketFactory plain = SocketFactory.getDefault();

  @Override
  public Socket createSocket() throws IOException {
    Socket s = plain.createSocket();
    s.setTcpNoDelay(true);
    return s;
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    Socket s = plain.createSocket(host, port);
    s.setTcpNoDelay(true);
    return s;
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    Socket s = plain.createSocket(host, port, localHost, localPort);
    s.setTcpNoDelay(true);
    return s;
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    Socket s = plain.createSocket(host, port);
    s.setTcpNoDelay(true);
    return s;
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    Socket s = plain.createSocket(address, port, localAddress, localPort);
    s.setTcpNoDelay(true);
    return s;
  }
}
