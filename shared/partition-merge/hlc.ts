// Hybrid logical clock timestamps as the replicated tables store them: physical milliseconds in
// the high bits, a 16-bit logical counter in the low bits (Kulkarni et al., "Logical Physical
// Clocks", 2014), so they order like time and stay unique per region.
export function hlcOf(ms: number, counter = 0): bigint {
  return (BigInt(Math.floor(ms)) << 16n) | BigInt(counter & 0xffff);
}

export function hlcMillis(hlc: bigint): number {
  return Number(hlc >> 16n);
}
