// The datagram loop (src/server/datagrams.ts) when a front-end stops with
// answers still being made: the socket is closed by then, and sending on it
// throws. The answer is a counted drop, and the process goes on (a stopping
// front-end that crashed instead would lose its orderly deregistration).
import t from 'tap';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { datagramLoop } from '../../src/server/datagrams.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import type { Outcome } from '../../src/server/handler.ts';

const dropCount = async (metrics: ReturnType<typeof createMetrics>, reason: string) =>
  (await metrics.drops.get()).values.find((v) => v.labels.family === '4' && v.labels.reason === reason)?.value ?? 0;

t.test('an answer finished after its socket closed is dropped and counted as socket-closed', async (t) => {
  const metrics = createMetrics();
  const loop = datagramLoop({ metrics, maxInFlight: 16, onDatabaseError: () => {} });
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;

  // The answer waits until the test lets it finish.
  let finish!: (outcome: Outcome) => void;
  const answering = new Promise<void>((started) => {
    loop.attach({ socket }, {
      family: '4',
      accept: () => ({
        client: 'one',
        answer: () => new Promise<Outcome>((resolve) => {
          finish = resolve;
          started();
        }),
      }),
    });
  });
  const sender = dgram.createSocket('udp4');
  t.teardown(() => sender.close());
  sender.send(Buffer.from('request'), port, '127.0.0.1');
  await answering;
  t.equal(loop.inFlight(), 1, 'the message is in hand');

  socket.close();
  await once(socket, 'close');
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  t.teardown(() => process.off('uncaughtException', onUncaught));
  finish({ type: 'DHCPDISCOVER', reply: { data: Buffer.from('reply'), to: { address: '127.0.0.1', port: 9 }, type: 'DHCPOFFER' } });
  await new Promise((resolve) => setTimeout(resolve, 50));

  t.same(uncaught, [], 'nothing thrown out of the loop');
  t.equal(await dropCount(metrics, 'socket-closed'), 1, 'one socket-closed drop counted');
  t.equal(loop.inFlight(), 0, 'and the message is out of hand');
});
