// Something done every period whether or not anything else happens: the
// front-end's database check (frontend.ts), so an idle front-end learns of a
// lost database as soon as a busy one does, and its refresh in the registry
// of front-ends.

export interface Heartbeat {
  /** No further beats; resolves once the one under way, if any, is over. */
  stop(): Promise<void>;
}

/** Runs beat periodMs after the previous one settled (beats never overlap), until stopped. beat must not reject. */
export const startHeartbeat = (periodMs: number, beat: () => Promise<void>): Heartbeat => {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      beating = beat().finally(() => {
        beating = undefined;
        if (!stopped) schedule();
      });
    }, periodMs);
    // The heartbeat alone keeps no process alive.
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await beating;
    },
  };
};
