// Result tables for the domain's pure operations, keyed by the identity of their (immutable) operand
// objects. Plain Maps holding their keys strongly, emptied when they reach a size limit: a WeakMap keyed
// by scalars costs the garbage collector more (ephemeron tables) than the lookups save on the verifier's
// workload (measured with bench/domain.bench.ts: the verifier ran slower with WeakMap tables than with
// none, and faster with these). The limit bounds the memory a long-lived process (the language server)
// keeps alive.

const LIMIT = 1 << 15;

export class PairMemo<K extends object, V> {
  private readonly outer = new Map<K, Map<K, V[]>>();
  private size = 0;

  get(a: K, b: K, slot: number): V | undefined {
    const inner = this.outer.get(a);
    if (inner === undefined) return undefined;
    const slots = inner.get(b);
    return slots === undefined ? undefined : slots[slot];
  }

  set(a: K, b: K, slot: number, v: V): void {
    if (this.size >= LIMIT) {
      this.outer.clear();
      this.size = 0;
    }
    let inner = this.outer.get(a);
    if (inner === undefined) this.outer.set(a, (inner = new Map()));
    let slots = inner.get(b);
    if (slots === undefined) {
      inner.set(b, (slots = []));
      this.size++;
    }
    slots[slot] = v;
  }
}

/** One-key form of PairMemo. */
export class Memo<K extends object, V> {
  private readonly map = new Map<K, V>();

  get(a: K): V | undefined {
    return this.map.get(a);
  }

  set(a: K, v: V): void {
    if (this.map.size >= LIMIT) this.map.clear();
    this.map.set(a, v);
  }
}
