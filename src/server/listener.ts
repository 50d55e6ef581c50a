// Configuration change notifications (pg-listen). NOTIFY is a hint, the
// tables are the truth: each new listener reloads everything once it
// listens, since notifications sent while none listened are lost.
//
// A listener never reconnects by itself: pg-listen's reconnection cannot be
// stopped, so a listener closed while it reconnected (after a failover, to
// the old host) went on trying every 5 s for good and kept the process alive.
// The caller starts a new listener instead, to the host its pool uses by then.
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

/** Listens; onLost is called once the connection is lost (or fails pg-listen's paranoid check). */
export const listenForConfig = async (url: string | undefined, onChange: () => void, onLost: () => void): Promise<ConfigListener> => {
  // A hung host would leave connect() waiting for good.
  const subscriber: Subscriber = createSubscriber({ connectionString: url, connectionTimeoutMillis: 2000 }, {
    paranoidChecking: 5000,
    // pg-listen's loop makes attempts while attempt < retryLimit: none.
    retryLimit: 1,
  });
  subscriber.notifications.on(CONFIG_CHANNEL, onChange);
  subscriber.events.on('error', (error) => {
    log.warn({ err: error.message }, 'configuration listener lost');
    onLost();
  });
  await subscriber.connect();
  await subscriber.listenTo(CONFIG_CHANNEL);
  // A change committed before LISTEN took effect sent its NOTIFY to nobody.
  onChange();
  return { close: () => subscriber.close() };
};
