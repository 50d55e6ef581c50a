// Configuration change notifications (pg-listen). NOTIFY is a hint, the
// tables are the truth: after any reconnect the caller reloads everything,
// since notifications sent while disconnected are lost.
import * as pgListen from 'pg-listen';
import type { Options, Subscriber } from 'pg-listen';
import type { ClientConfig } from 'pg';
import { CONFIG_CHANNEL } from '../config/apply.ts';
import { log } from '../log.ts';

export interface ConfigListener {
  close(): Promise<void>;
}

// pg-listen is CommonJS with an ES-style default export.
const createSubscriber = (pgListen as unknown as { default: { default: (config: ClientConfig, options: Options) => Subscriber } }).default.default;

export const listenForConfig = async (url: string | undefined, onChange: () => void): Promise<ConfigListener> => {
  const subscriber: Subscriber = createSubscriber(url ? { connectionString: url } : {}, {
    paranoidChecking: 5000,
    retryLimit: Infinity,
    retryTimeout: Infinity,
    retryInterval: (attempt: number) => Math.min(250 * 2 ** attempt, 5000),
  });
  subscriber.notifications.on(CONFIG_CHANNEL, onChange);
  subscriber.events.on('reconnect', (attempt) => log.warn({ attempt }, 'configuration listener reconnecting'));
  subscriber.events.on('error', (error) => log.error({ err: error.message }, 'configuration listener failed'));
  await subscriber.connect();
  await subscriber.listenTo(CONFIG_CHANNEL);
  // A change committed before LISTEN took effect sent its NOTIFY to nobody:
  // reload once now that we listen, and after every reconnect (pg-listen
  // emits 'connected' on a reconnect only once it listens again).
  subscriber.events.on('connected', onChange);
  onChange();
  return { close: () => subscriber.close() };
};
