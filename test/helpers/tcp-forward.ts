// A TCP forwarder in the test process, so that a front-end inside a network
// namespace reaches PostgreSQL: the test database listens on 127.0.0.1 of the
// root namespace, which no other namespace can reach, so the forwarder listens
// on the management link's root-side address and pipes each connection to the
// database's own host and port. It works the same for the embedded server and
// for an external DATABASE_URL, since it only ever rewrites host and port.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpForward {
  /** The database URL with host and port replaced by the forwarder's. */
  url: string;
  /** Stops listening and cuts every forwarded connection. Idempotent. */
  close(): Promise<void>;
}

/** libpq's default port, used when the URL names none. */
const POSTGRES_PORT = 5432;

/**
 * Listens on listenAddress (an address of the root namespace, e.g. a
 * management link's hostAddress) on a free port and forwards to the host and
 * port of databaseUrl; resolves with the URL a process behind that address
 * should use instead.
 */
export const forwardDatabase = async (databaseUrl: string, listenAddress: string): Promise<TcpForward> => {
  const target = new URL(databaseUrl);
  // A URL without a host means a local socket to libpq, localhost to node-postgres.
  const targetHost = target.hostname === '' ? 'localhost' : target.hostname.replace(/^\[(.*)\]$/, '$1');
  const targetPort = target.port === '' ? POSTGRES_PORT : Number(target.port);

  const open = new Set<Socket>();
  const track = (socket: Socket): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const server = createServer((incoming) => {
    const outgoing = connect(targetPort, targetHost);
    track(incoming);
    track(outgoing);
    // Either side failing or closing ends the pair: PostgreSQL sessions do not half-close.
    incoming.on('error', () => outgoing.destroy());
    outgoing.on('error', () => incoming.destroy());
    incoming.once('close', () => outgoing.destroy());
    outgoing.once('close', () => incoming.destroy());
    incoming.pipe(outgoing);
    outgoing.pipe(incoming);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const forwarded = new URL(databaseUrl);
  forwarded.hostname = listenAddress;
  forwarded.port = String((server.address() as AddressInfo).port);

  let closed: Promise<void> | undefined;
  return {
    url: forwarded.toString(),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        // server.close() waits for open connections: cut them first.
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      })),
  };
};
