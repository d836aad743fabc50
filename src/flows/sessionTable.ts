/**
 * Sessions: one per client address x service, the unit of session-level features.
 * Touched only when flows start or end, never per packet.
 */
export class SessionTable {
  private readonly ids = new Map<string, number>();
  private readonly free: number[] = [];
  keyOf: string[] = [];
  client: string[] = [];
  service: number[] = [];
  flows: number[] = [];
  openFlows: number[] = [];
  size = 0;
  highWater = 0;

  /** The session of (client, service), created when missing; `created` tells which. */
  acquire(client: string, service: number): { id: number; created: boolean } {
    const key = `${client}|${service}`;
    const found = this.ids.get(key);
    if (found !== undefined) {
      this.flows[found]++;
      this.openFlows[found]++;
      return { id: found, created: false };
    }
    const id = this.free.length ? this.free.pop()! : this.highWater++;
    this.ids.set(key, id);
    this.keyOf[id] = key;
    this.client[id] = client;
    this.service[id] = service;
    this.flows[id] = 1;
    this.openFlows[id] = 1;
    this.size++;
    return { id, created: true };
  }

  /** The open session of (client, service), or -1. */
  find(client: string, service: number): number {
    return this.ids.get(`${client}|${service}`) ?? -1;
  }

  /** A flow of the session ended; returns true when it was the last open one. */
  flowEnded(id: number): boolean {
    return --this.openFlows[id] <= 0;
  }

  remove(id: number): void {
    this.ids.delete(this.keyOf[id]);
    this.free.push(id);
    this.size--;
  }
}
