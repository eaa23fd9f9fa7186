/** The CRC16 slot of a key as Redis Cluster computes it (hash tags included); the package ships no types. */
declare module 'cluster-key-slot' {
  export default function calculateSlot(key: string | Buffer): number;
}
