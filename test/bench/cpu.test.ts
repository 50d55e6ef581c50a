// The bench charges a load step's CPU time to the servers that used it.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startCpuMeter } from '../../src/bench/cpu.ts';

// Busy for 400 ms, then says so and idles until killed.
const BUSY = `const end = Date.now() + 400; while (Date.now() < end); process.stdout.write('done'); setInterval(() => {}, 1000);`;

/** A process running BUSY, killed at teardown. */
const busyChild = async (t: Test) => {
  const child = spawn(process.execPath, ['-e', BUSY], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  await once(child, 'spawn');
  return child;
};

t.test("a server process's busy time is counted as the servers'", async (t) => {
  const child = await busyChild(t);
  const meter = startCpuMeter([child.pid!], 0.4);
  await once(child.stdout!, 'data');
  // One exchange: the figures are the step's totals.
  const use = meter.stop(1);
  t.ok(use, 'measured');
  t.ok(use!.serversUs >= 250_000 && use!.serversUs <= 1_500_000, `${use!.serversUs} µs of a 400 ms busy loop`);
  t.ok(use!.busyCores >= 0.5, `the machine was busy meanwhile (${use!.busyCores} cores)`);
  t.equal(meter.stop(0), undefined, 'nothing per exchange without exchanges');
});

t.test('a process that exits during the step is not counted, rather than counted negatively', async (t) => {
  // Busy for 300 ms before the step starts, then exits during it.
  const child = spawn(process.execPath, ['-e', `const end = Date.now() + 300; while (Date.now() < end); process.stdout.write('busy', () => process.exit(0));`],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  await once(child.stdout!, 'data');
  const meter = startCpuMeter([child.pid!], 1);
  await once(child, 'exit');
  const use = meter.stop(1);
  t.equal(use!.serversUs, 0, 'its time before the step is not subtracted');
});

t.test("the machine's busy cores are read over the load's seconds, not the quiet wait after them", async (t) => {
  const child = await busyChild(t);
  const meter = startCpuMeter([child.pid!], 0.4);
  await once(child.stdout!, 'data');
  // As perfdhcp waits for late answers: the step goes on, idle.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const use = meter.stop(1);
  t.ok(use!.busyCores >= 0.5, `busy while loaded: ${use!.busyCores} cores (over the whole step it would read about 0.3)`);
});
