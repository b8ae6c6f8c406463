/**
 * A TCP proxy in front of a test etcd, to make connection faults on demand: drop the next reply (the
 * request reached etcd, the answer is lost with the connection), or black-hole all traffic.
 */

import { connect, createServer, type Server, type Socket } from 'node:net';

/** What the proxy does with traffic; 'refuse' also closes every new connection at once. */
export type ProxyMode = 'forward' | 'drop-next-reply' | 'blackhole' | 'refuse';

/** A running proxy. */
export interface TcpProxy {
  readonly endpoint: string;
  mode: ProxyMode;
  /** Close every open connection (both sides), as a crashed peer would. */
  cut(): void;
  close(): Promise<void>;
}

/** Start a proxy on a free 127.0.0.1 port forwarding to `targetPort`. */
export async function startProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const proxy: TcpProxy = {
    endpoint: '',
    mode: 'forward',
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {},
  };
  const server: Server = createServer((client) => {
    if (proxy.mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', kill);
    upstream.on('close', kill);
    client.on('data', (chunk) => {
      if (proxy.mode !== 'blackhole') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (proxy.mode === 'forward') client.write(chunk);
      else if (proxy.mode === 'drop-next-reply') {
        proxy.mode = 'forward';
        kill();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  Object.assign(proxy, {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return proxy;
}
