/**
 * Network namespaces for live-capture tests and benchmarks: a client and a
 * server joined through a middle namespace, either by Tarsier (two veths,
 * no addresses: `tarsier ips --bridge`) or by a kernel bridge (the
 * baseline). Names are unique per run; {@link Topology.destroy} removes
 * everything (deleting a namespace deletes its veths).
 *
 * @module
 */

/** Why live tests cannot run here, or null when they can (root and `ip`). */
export function liveTestsUnavailable(): string | null {
  if (Deno.build.os !== "linux") return "live capture needs Linux";
  if (Deno.uid() !== 0) return "live capture tests need root (network namespaces, AF_PACKET)";
  try {
    const out = new Deno.Command("ip", { args: ["netns", "list"], stderr: "null", stdout: "null" })
      .outputSync();
    if (!out.success) return "`ip netns` does not work here";
  } catch {
    return "`ip` (iproute2) is not installed";
  }
  return null;
}

/** Run a command, throwing with its stderr when it fails. */
export function run(cmd: string, args: string[]): string {
  const out = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Run a command in a namespace. */
export function inNs(ns: string, cmd: string, args: string[]): string {
  return run("ip", ["netns", "exec", ns, cmd, ...args]);
}

/** Client, middle and server namespaces and their addresses. */
export interface Topology {
  /** The client namespace. */
  client: string;
  /** The middle namespace (where tarsier or the kernel bridge runs). */
  middle: string;
  /** The server namespace. */
  server: string;
  /** The middle's interfaces: towards the client, towards the server. */
  sides: [string, string];
  /** Client and server IPv4 addresses. */
  clientIp: string;
  /** Server IPv4 address. */
  serverIp: string;
  /** Client IPv6 address. */
  clientIp6: string;
  /** Server IPv6 address. */
  serverIp6: string;
  /** Remove the namespaces (and their veths). */
  destroy(): void;
}

/**
 * Build client -- veth -- middle -- veth -- server. In `kernel` mode the
 * middle joins its veths with a Linux bridge; in `tarsier` mode it leaves
 * them unjoined for `tarsier ips --bridge a:b`.
 *
 * @param mode who forwards in the middle
 * @returns the topology
 */
export function buildTopology(mode: "tarsier" | "kernel"): Topology {
  const id = `${Deno.pid % 10000}${Math.floor(Math.random() * 1296).toString(36)}`;
  const client = `tsr-${id}-c`;
  const middle = `tsr-${id}-m`;
  const server = `tsr-${id}-s`;
  const sides: [string, string] = [`t${id}a`, `t${id}b`];
  const topo: Topology = {
    client,
    middle,
    server,
    sides,
    clientIp: "10.77.0.1",
    serverIp: "10.77.0.2",
    clientIp6: "fd77::1",
    serverIp6: "fd77::2",
    destroy() {
      for (const ns of [client, middle, server]) {
        try {
          run("ip", ["netns", "del", ns]);
        } catch {
          // already gone
        }
      }
    },
  };
  try {
    for (const ns of [client, middle, server]) {
      run("ip", ["netns", "add", ns]);
      inNs(ns, "ip", ["link", "set", "lo", "up"]);
    }
    // the middle says nothing of its own on the link (no IPv6 RS/DAD, no addresses)
    inNs(middle, "sysctl", ["-qw", "net.ipv6.conf.all.disable_ipv6=1"]);
    inNs(middle, "sysctl", ["-qw", "net.ipv6.conf.default.disable_ipv6=1"]);
    run("ip", [
      "link",
      "add",
      "c0",
      "netns",
      client,
      "type",
      "veth",
      "peer",
      sides[0],
      "netns",
      middle,
    ]);
    run("ip", [
      "link",
      "add",
      "s0",
      "netns",
      server,
      "type",
      "veth",
      "peer",
      sides[1],
      "netns",
      middle,
    ]);
    const ends: Array<[string, string, string, string]> = [
      [client, "c0", topo.clientIp, topo.clientIp6],
      [server, "s0", topo.serverIp, topo.serverIp6],
    ];
    for (const [ns, dev, ip4, ip6] of ends) {
      inNs(ns, "ip", ["addr", "add", `${ip4}/24`, "dev", dev]);
      inNs(ns, "ip", ["-6", "addr", "add", `${ip6}/64`, "dev", dev, "nodad"]);
      // a packet socket forwards whole frames with complete checksums: no offloads
      inNs(ns, "ethtool", ["-K", dev, "tx", "off", "tso", "off", "gso", "off", "gro", "off"]);
      inNs(ns, "ip", ["link", "set", dev, "up"]);
    }
    for (const dev of sides) {
      inNs(middle, "ethtool", ["-K", dev, "tx", "off", "tso", "off", "gso", "off", "gro", "off"]);
      inNs(middle, "ip", ["link", "set", dev, "up"]);
    }
    if (mode === "kernel") {
      inNs(middle, "ip", ["link", "add", "br0", "type", "bridge"]);
      for (const dev of sides) inNs(middle, "ip", ["link", "set", dev, "master", "br0"]);
      inNs(middle, "ip", ["link", "set", "br0", "up"]);
    }
  } catch (error) {
    topo.destroy();
    throw error;
  }
  return topo;
}

/**
 * Wait until `check` is true (polling every 50 ms).
 *
 * @param check the condition
 * @param timeoutMs how long at most
 * @returns whether it became true
 */
export async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}
