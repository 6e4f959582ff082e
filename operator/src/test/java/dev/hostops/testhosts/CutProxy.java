package dev.hostops.testhosts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 in front of a test host's SSH port that cuts the link: it forwards
 * exactly {@link #cutAfter N} bytes from client to server (the server's answers flow freely), then
 * closes both sides, as a network that fails part-way through a transfer. Plain sockets, one thread
 * per direction.
 */
public final class CutProxy implements AutoCloseable {
  private final ServerSocket server;
  private volatile InetSocketAddress upstream;
  private final List<Socket> sockets = new ArrayList<>();
  private volatile long cutAfter = Long.MAX_VALUE;
  private final java.util.concurrent.atomic.AtomicReference<AtomicLong> latest =
      new java.util.concurrent.atomic.AtomicReference<>(new AtomicLong());

  public CutProxy(String host, int port) throws IOException {
    this.upstream = new InetSocketAddress(host, port);
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "cut-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Connections accepted from now on are cut after this many client-to-server bytes. */
  public void cutAfter(long bytes) {
    this.cutAfter = bytes;
  }

  /** Never cut connections accepted from now on. */
  public void whole() {
    this.cutAfter = Long.MAX_VALUE;
  }

  /** Connections accepted from now on go to this port (a rebooted test host publishes SSH on a new one). */
  public void retarget(int port) {
    this.upstream = new InetSocketAddress(upstream.getHostString(), port);
  }

  /** Client-to-server bytes forwarded on the latest connection so far. */
  public long forwarded() {
    return latest.get().get();
  }

  /** Cuts every open connection now, whatever was sent. */
  public void cutNow() {
    synchronized (sockets) {
      for (Socket s : sockets) {
        try {
          s.close();
        } catch (IOException e) {
          // already closed
        }
      }
      sockets.clear();
    }
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket target = new Socket();
        target.connect(upstream, 5000);
        client.setTcpNoDelay(true);
        target.setTcpNoDelay(true);
        synchronized (sockets) {
          sockets.add(client);
          sockets.add(target);
        }
        AtomicLong count = new AtomicLong();
        latest.set(count);
        long limit = cutAfter;
        if (limit == 0) {
          closeBoth(client, target);
          continue;
        }
        start("cut-proxy-up", () -> pump(client, target, limit, count));
        start("cut-proxy-down", () -> pump(target, client, Long.MAX_VALUE, new AtomicLong()));
      } catch (IOException e) {
        // closed, or the host refused: the client sees its connection drop
      }
    }
  }

  private void pump(Socket from, Socket to, long limit, AtomicLong count) {
    byte[] buf = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        int send = (int) Math.min(n, limit - count.get());
        out.write(buf, 0, send);
        out.flush();
        count.addAndGet(send);
        if (count.get() >= limit) {
          break;
        }
      }
    } catch (IOException e) {
      // one side went away: so does the other
    }
    closeBoth(from, to);
  }

  private static void start(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private static void closeBoth(Socket a, Socket b) {
    try {
      a.close();
    } catch (IOException e) {
      // already closed
    }
    try {
      b.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    synchronized (sockets) {
      for (Socket s : sockets) {
        s.close();
      }
      sockets.clear();
    }
  }
}
