/** The contract's implementation, shared by Electron IPC and serve mode. */
export {
  createApi,
  serveRefusal,
  type ApiMode,
  type ServeWrites,
  type CreateApiOptions,
  type SyncTrigger,
} from './handlers';
export { dispatch, isChannelId, type DispatchOptions } from './dispatch';
export { createEventHub, type EventHub, type EventSource } from './events';
