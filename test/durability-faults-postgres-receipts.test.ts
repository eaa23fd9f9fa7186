import { defineFaultCases } from './support/fault-cases';

/** CHAT_RECEIPT_AFTER=postgres: no receipted message is ever lost, whatever Redis or PostgreSQL do. */
defineFaultCases('postgres');
