import type { ChatMessageRepository } from '../chat/persistence/chat-message-repository';
import type { SeqReservations } from '../chat/persistence/seq-reservations';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import type { DeviceTokenRepository } from '../push/device-token-repository';
import type { NotificationLog } from '../push/notification-log';
import type { UserDirectory } from '../users/user-directory';

/**
 * The repositories owning the tables that hold personal data. Retention and erasure call their methods
 * (purge a room, erase a sender) inside one transaction, never their tables: a new table with personal
 * data gets its owner's methods and a line here, and the data office's steps name it.
 */
export interface DataOwners {
  readonly consultations: ConsultationRepository;
  readonly messages: ChatMessageRepository;
  readonly reservations: SeqReservations;
  readonly notifications: NotificationLog;
  readonly deviceTokens: DeviceTokenRepository;
  readonly users: UserDirectory;
}
