import { z } from 'zod';
import { STATUSES } from '../../lib/consultation/consultation-status';
import type { ChatMessage } from '../../protocol/chat-message';
import { NOTIFICATION_STATUSES } from '../../lib/push/notification-log';
import { AUDIT_ACTIONS } from '../../lib/audit/audit-actions';

/** Response bodies of the REST API (CONTRACT §4), as schemas: documented in OpenAPI and checked by its test. */
const isoOrNull = z.iso.datetime().nullable();

export const consultationSchema = z
  .object({
    requestIdx: z.number().int().positive(),
    studentId: z.string(),
    studentName: z.string(),
    professorId: z.string(),
    professorName: z.string(),
    title: z.string(),
    content: z.string(),
    desiredTime: isoOrNull,
    scheduledTime: isoOrNull,
    status: z.enum(STATUSES),
    rejectReason: z.string().nullable(),
    cancelReason: z.string().nullable(),
    createdAt: z.iso.datetime(),
    approvedAt: isoOrNull,
    startedAt: isoOrNull,
    endedAt: isoOrNull,
    endReason: z.enum(['USER', 'INACTIVE', 'MAX_DURATION']).nullable(),
    lastActivityAt: z.iso.datetime(),
    lastReadTimeStudent: isoOrNull,
    lastReadTimeProfessor: isoOrNull,
    archived: z.boolean(),
  })
  .meta({ id: 'Consultation' });

export const pageOf = (item: z.ZodType, id: string) =>
  z.object({ items: z.array(item), page: z.number().int().min(0), size: z.number().int().min(1), total: z.number().int().min(0) }).meta({ id });

export const consultationPageSchema = pageOf(consultationSchema, 'ConsultationPage');

export const professorPageSchema = pageOf(z.object({ id: z.string(), name: z.string() }).meta({ id: 'Professor' }), 'ProfessorPage');

// `satisfies`: a field added to the protocol's message is refused here until the schema documents it.
export const messageSchema = z
  .object({
    requestIdx: z.number().int().positive(),
    seq: z.number().int().positive(),
    messageId: z.string(),
    senderId: z.string(),
    senderRole: z.enum(['STUDENT', 'PROFESSOR']),
    content: z.string(),
    sentAt: z.iso.datetime(),
    clientMsgId: z.string(),
  } satisfies Record<keyof ChatMessage, z.ZodType>)
  .meta({ id: 'Message' });

export const historySchema = z.object({ items: z.array(messageSchema), nextAfterSeq: z.number().int().min(0) }).meta({ id: 'MessagePage' });

export const readMarkSchema = z.object({ requestIdx: z.number().int().positive(), lastReadTime: z.iso.datetime() }).meta({ id: 'ReadMark' });

export const notificationSchema = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    userId: z.string(),
    requestIdx: z.number().int().nullable(),
    token: z.string().nullable().describe('only the last 8 characters'),
    status: z.enum(NOTIFICATION_STATUSES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    fcmMessageId: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Notification' });

export const notificationPageSchema = pageOf(notificationSchema, 'NotificationPage');

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.iso.datetime(),
    actorId: z.string().nullable().describe('null: the system'),
    action: z.enum(AUDIT_ACTIONS),
    target: z.string().describe('consultation:{requestIdx} or user:{userId}'),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });

export const auditPageSchema = pageOf(auditEntrySchema, 'AuditPage');

export const erasureSchema = z
  .object({
    userId: z.string(),
    status: z.enum(['QUEUED', 'DONE']),
    requestedAt: z.iso.datetime(),
    completedAt: isoOrNull,
    report: z.record(z.string(), z.number()).nullable().describe('counts of what the erasure changed, once done'),
  })
  .meta({ id: 'Erasure' });

export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).meta({ id: 'Error' });
