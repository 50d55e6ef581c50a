// perfdhcp for the tests: src/bench/perfdhcp.ts (its header documents the
// command lines and the report), run inside a network namespace of the test.
import { exec, ExecError } from './netns.ts';
import {
  runPerfdhcp as runPerfdhcpWith, runPerfdhcp6 as runPerfdhcp6With,
  type CommandRunner, type Perfdhcp6Options, type Perfdhcp6Result, type PerfdhcpOptions, type PerfdhcpResult,
} from '../../src/bench/perfdhcp.ts';

export { parsePerfdhcp6Report, parsePerfdhcpReport } from '../../src/bench/perfdhcp.ts';

/** A runner that never rejects on a non-zero exit: runPerfdhcp judges the code. */
const inNamespace = (ns: string): CommandRunner => async (argv, timeoutMs) => {
  try {
    return await exec(ns, argv, { timeoutMs });
  } catch (error) {
    if (error instanceof ExecError && error.result.code !== null) return error.result;
    throw error;
  }
};

/** Runs perfdhcp inside options.ns (ROOT_NS to target a server on loopback). */
export const runPerfdhcp = (options: PerfdhcpOptions & { ns: string }): Promise<PerfdhcpResult> =>
  runPerfdhcpWith(options, inNamespace(options.ns));

/** Runs perfdhcp -6 inside options.ns (its header in src/bench/perfdhcp.ts says which command lines work). */
export const runPerfdhcp6 = (options: Perfdhcp6Options & { ns: string }): Promise<Perfdhcp6Result> =>
  runPerfdhcp6With(options, inNamespace(options.ns));
