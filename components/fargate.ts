/** Fargate's task sizes: CPU units and the memory (MiB) each allows. */
const FARGATE_MEMORY: ReadonlyArray<
  readonly [cpu: number, min: number, max: number, step: number]
> = [
  [256, 512, 2048, 512],
  [512, 1024, 4096, 1024],
  [1024, 2048, 8192, 1024],
  [2048, 4096, 16384, 1024],
  [4096, 8192, 30720, 1024],
  [8192, 16384, 61440, 4096],
  [16384, 32768, 122880, 8192],
];

export function isValidFargateSize(cpu: unknown, memory: unknown): boolean {
  if (typeof cpu !== "number" || typeof memory !== "number") return false;
  const row = FARGATE_MEMORY.find(([rowCpu]) => rowCpu === cpu);
  if (!row) return false;
  const [, min, max, step] = row;
  // 256 CPU units allow 512, 1024 and 2048 only.
  if (cpu === 256) return memory === 512 || memory === 1024 || memory === 2048;
  return memory >= min && memory <= max && (memory - min) % step === 0;
}
