import { defineFaultCases } from './support/fault-cases';

/** Default receipts (after the Redis append): drift is repaired, no seq is reused, Redis losses are counted. */
defineFaultCases('redis');
