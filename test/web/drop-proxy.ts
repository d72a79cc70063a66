// A TCP proxy between the browser and the app, so a test can cut the network: drop()
// resets every open connection (the live feed included) and refuses new ones until
// restore(). The app itself keeps running, as when a user's network goes away.
import { createServer, connect, type Socket, type Server } from 'node:net';

export interface DropProxy {
  port: number;
  drop(): void;
  restore(): void;
  close(): Promise<void>;
}

export function startDropProxy(targetPort: number): Promise<DropProxy> {
  const open = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        port,
        drop: () => {
          down = true;
          for (const s of open) s.resetAndDestroy();
          open.clear();
        },
        restore: () => {
          down = false;
        },
        close: () =>
          new Promise<void>((r) => {
            for (const s of open) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
