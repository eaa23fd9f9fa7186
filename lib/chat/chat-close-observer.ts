import type { LifecycleObserver } from '../consultation/consultation-lifecycle';
import type { ConsultationModel } from '../consultation/consultation.model';
import { HISTORY_STATUSES } from '../consultation/consultation-status';
import type { ChatLog } from './hot-log/chat-log';

/** Closes a room for chat as soon as its consultation reaches a final status. */
export class ChatCloseObserver implements LifecycleObserver {
  constructor(private readonly chatLog: ChatLog) {}

  async onTransition(c: ConsultationModel): Promise<void> {
    if (HISTORY_STATUSES.includes(c.status)) await this.chatLog.markClosed(c.requestIdx);
  }
}
