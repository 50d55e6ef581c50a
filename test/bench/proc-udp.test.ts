// The bench tells a server that did not read its messages from a load
// generator that did not read its answers by the kernel's drop counters.
import t from 'tap';
import dgram from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { receiveDrops, udpSockets } from '../../src/bench/proc-udp.ts';

// 200 datagrams of 300 bytes to a port, from another process.
const SENDER = `
const socket = require('node:dgram').createSocket('udp4');
let left = 200;
const next = () => left-- > 0 ? socket.send(Buffer.alloc(300), Number(process.argv[1]), '127.0.0.1', next) : socket.close();
next();`;

t.test('datagrams sent to a socket that does not read are counted at its port and for the host', async (t) => {
  const sink = dgram.createSocket({ type: 'udp4', recvBufferSize: 4096 });
  sink.bind(0, '127.0.0.1');
  await once(sink, 'listening');
  t.teardown(() => sink.close());
  const port = sink.address().port;
  t.ok(udpSockets().some((s) => s.localPort === port), 'the socket is listed');

  const before = receiveDrops([port]);
  // Synchronous: this process reads nothing while the other one sends.
  execFileSync(process.execPath, ['-e', SENDER, String(port)]);
  const after = receiveDrops([port]);
  const atPort = after.atPorts - before.atPorts;
  t.ok(atPort > 100, `${atPort} of 200 dropped at the full socket`);
  t.ok(after.host - before.host >= atPort, 'and counted for the host');
});
