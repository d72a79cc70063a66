// A stable colour per character: the hue comes from a hash of the name, so every
// browser and every reload shows the same character in the same colour.
const cache = new Map<string, string>();

export function colorOf(name: string): string {
  let c = cache.get(name);
  if (c) return c;
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  const hue = (h >>> 0) % 360;
  c = `hsl(${hue} 80% 62%)`;
  cache.set(name, c);
  return c;
}
