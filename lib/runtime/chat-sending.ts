import { ActivityRecorder } from '../chat/send/activity-recorder';
import { ChatService } from '../chat/chat-service';
import { CommitBatcher } from '../chat/send/commit-batcher';
import { SeqLease } from '../chat/send/seq-lease';
import type { Logger } from '../logging/logger';
import type { CoreServices } from './core-services';

/** What a process that accepts chat sends needs besides the core (the gateway; nothing else sends). */
export interface ChatSending {
  readonly chat: ChatService;
  readonly activity: ActivityRecorder;
  /** Waits for seq lease extensions in flight, flushes pending activity and stops its timer. */
  close(): Promise<void>;
}

export function buildChatSending(core: CoreServices, log: Logger): ChatSending {
  const { config, redis, keys, hotLog } = core;
  const lease = new SeqLease({ redis, keys, chatLog: hotLog.chatLog, reservations: hotLog.reservations, log });
  // Flush activity well inside the idle threshold so an active room never looks idle to auto-close.
  const activity = new ActivityRecorder(core.consultations, log, Math.max(50, Math.min(5000, Math.floor(config.autoClose.inactiveMs / 4))));
  activity.start();
  const chat = new ChatService({
    rooms: core.rooms,
    erasureFence: core.erasureFence,
    chatLog: hotLog.chatLog,
    roomMessages: hotLog.roomMessages,
    rebuilder: hotLog.rebuilder,
    lease,
    durable: hotLog.chatMessages,
    lifecycle: core.lifecycle,
    events: core.events,
    activity,
    maxMessageChars: config.chat.maxMessageChars,
    receiptAfter: config.chat.receiptAfter,
    batcher: new CommitBatcher(hotLog.commit, hotLog.persistIndex),
    onAppended: (id, seq) => hotLog.persistIndex.afterAppend(id, seq),
  });
  return {
    chat,
    activity,
    async close() {
      await lease.settle();
      await activity.stop();
    },
  };
}
