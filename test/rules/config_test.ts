import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CORPUS_DIR, HAVE_CORPUS } from "../corpus.ts";
import {
  AddressResolver,
  BUNDLED_CLASSIFICATION_FILE,
  BUNDLED_REFERENCE_FILE,
  ConfigError,
  loadConfig,
  loadConfigText,
  PortResolver,
  type SourceLocation,
} from "../../src/rules/mod.ts";

const FIXTURES = fileURLToPath(new URL("./fixtures/config/", import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

Deno.test("config: the defaults are Suricata 7's default suricata.yaml", () => {
  const { config, warnings } = loadConfig();
  assert.deepEqual(warnings, []);
  assert.equal(config.file, null);
  const addr = config.addressGroups();
  assert.equal(addr.get("HOME_NET"), "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
  assert.equal(addr.get("EXTERNAL_NET"), "!$HOME_NET");
  for (
    const name of [
      "HTTP_SERVERS",
      "SMTP_SERVERS",
      "SQL_SERVERS",
      "DNS_SERVERS",
      "TELNET_SERVERS",
      "DC_SERVERS",
      "DNP3_SERVER",
      "DNP3_CLIENT",
      "MODBUS_CLIENT",
      "MODBUS_SERVER",
      "ENIP_CLIENT",
      "ENIP_SERVER",
    ]
  ) {
    assert.equal(addr.get(name), "$HOME_NET", name);
  }
  assert.equal(addr.get("AIM_SERVERS"), "$EXTERNAL_NET");
  assert.deepEqual(Object.fromEntries(config.portGroups()), {
    HTTP_PORTS: "80",
    SHELLCODE_PORTS: "!80",
    ORACLE_PORTS: "1521",
    SSH_PORTS: "22",
    DNP3_PORTS: "20000",
    MODBUS_PORTS: "502",
    FILE_DATA_PORTS: "[$HTTP_PORTS,110,143]",
    FTP_PORTS: "21",
    GENEVE_PORTS: "6081",
    VXLAN_PORTS: "4789",
    TEREDO_PORTS: "3544",
  });
  assert.equal(config.getBool("stream.midstream", true), false);
  assert.equal(config.getSize("stream.memcap", 0), 64 * 1024 * 1024);
  assert.equal(config.getSize("stream.reassembly.depth", 0), 1024 * 1024);
  assert.equal(config.getNumber("flow-timeouts.tcp.established", 0), 600);
  assert.equal(config.get("outputs.1")?.value, "eve-log");
  assert.equal(config.getBool("outputs.1.eve-log.enabled", false), true);
  assert.equal(config.getString("outputs.1.eve-log.filename", ""), "eve.json");
  assert.deepEqual(config.ruleFiles(), ["/var/lib/suricata/rules/suricata.rules"]);
  assert.equal(config.getString("default-log-dir", ""), "/var/log/suricata/");
});

Deno.test("config: every default variable resolves", () => {
  const { config } = loadConfig();
  const at: SourceLocation = { file: "vars", line: 1, column: 1 };
  const addresses = new AddressResolver(config.addressGroups());
  for (const name of config.addressGroups().keys()) {
    assert.ok("set" in addresses.resolveVariable(name, at), name);
  }
  const ports = new PortResolver(config.portGroups());
  for (const name of config.portGroups().keys()) {
    const r = ports.resolve({
      kind: "port",
      text: `$${name}`,
      location: at,
      root: { kind: "variable", negated: false, location: at, name },
    });
    assert.ok("set" in r, name);
  }
});

Deno.test("config: classification and reference files fall back to the bundled copies", () => {
  const { config } = loadConfig();
  const system = (p: string) => {
    try {
      Deno.statSync(p);
      return true;
    } catch {
      return false;
    }
  };
  assert.equal(
    config.classificationFile(),
    system("/etc/suricata/classification.config")
      ? "/etc/suricata/classification.config"
      : BUNDLED_CLASSIFICATION_FILE,
  );
  assert.equal(
    config.referenceConfigFile(),
    system("/etc/suricata/reference.config")
      ? "/etc/suricata/reference.config"
      : BUNDLED_REFERENCE_FILE,
  );
  assert.ok(Deno.statSync(BUNDLED_CLASSIFICATION_FILE).isFile);
  assert.ok(Deno.statSync(BUNDLED_REFERENCE_FILE).isFile);
});

Deno.test("config: --set overrides, and keys unknown to the defaults", () => {
  const { config, unknownKeys } = loadConfig({
    sets: [
      "vars.address-groups.HOME_NET=[10.0.0.0/8]",
      "vars.address-groups.NEW_NET = 1.2.3.4",
      "stream.midstream=true",
      "outputs.1.eve-log.enabled=no",
      "rule-files.1=extra.rules",
      "app-layer.protocols.rdp.enabled=yes",
      "stream.midstreem=true",
      "nosuch.key=1",
    ],
  });
  assert.equal(config.addressGroups().get("HOME_NET"), "[10.0.0.0/8]");
  assert.equal(config.addressGroups().get("NEW_NET"), "1.2.3.4");
  assert.equal(config.getBool("stream.midstream", false), true);
  assert.equal(config.getBool("outputs.1.eve-log.enabled", true), false);
  assert.deepEqual(config.ruleFiles(), [
    "/var/lib/suricata/rules/suricata.rules",
    "/var/lib/suricata/rules/extra.rules",
  ]);
  assert.deepEqual(unknownKeys, ["stream.midstreem", "nosuch.key"]);
  assert.throws(() => loadConfig({ sets: ["novalue"] }), ConfigError);
  assert.throws(() => loadConfig({ sets: ["a..b=1"] }), ConfigError);
});

Deno.test("config: defaults are not shared between loads", () => {
  loadConfig({ sets: ["stream.memcap=1gb"] });
  assert.equal(loadConfig().config.getString("stream.memcap", ""), "64mb");
});

Deno.test("config: a file with includes, YAML 1.1 words and redefinitions", () => {
  const { config, warnings } = loadConfig({ file: fixture("main.yaml") });
  assert.equal(config.file, fixture("main.yaml"));
  // include: at the top level merges vars.yaml
  assert.equal(config.addressGroups().get("HOME_NET"), "[10.0.0.0/8]");
  assert.equal(config.addressGroups().get("MY_SERVERS"), "192.168.1.1");
  assert.equal(config.portGroups().get("HIGH_PORTS"), "1024:65535");
  // key: !include file
  assert.equal(config.get("outputs.0")?.value, "fast");
  assert.equal(config.getBool("outputs.0.fast.enabled", true), false);
  assert.equal(config.getBool("outputs.1.eve-log.enabled", false), true);
  assert.equal(config.getString("outputs.1.eve-log.types.0", ""), "alert");
  assert.equal(config.getNumber("outputs.1.eve-log.types.1.dns.version", 0), 2);
  assert.deepEqual(config.getList("outputs.1.eve-log.types"), ["alert", "dns"]);
  // YAML 1.1 words stay text; the accessors read them
  assert.equal(config.getString("stream.midstream", ""), "yes");
  assert.equal(config.getBool("stream.midstream", false), true);
  assert.equal(config.getBool("stream.async-oneside", true), false);
  assert.equal(config.getString("ports-like", ""), "1024:65535");
  assert.equal(config.getString("octal-like", ""), "010");
  assert.equal(config.getSize("stream.reassembly.depth", 0), 2 * 1024 * 1024);
  // nulls
  assert.equal(config.get("empty")?.value, null);
  assert.equal(config.get("tilde")?.value, null);
  assert.equal(config.getString("quoted-null", ""), "null");
  assert.equal(config.getString("empty", "fallback"), "fallback");
  // dotted keys, redefinition, underscores
  assert.equal(config.getString("detect.profile", ""), "high");
  assert.equal(config.get("flow.memcap"), undefined);
  assert.equal(config.getNumber("flow.hash-size", 0), 1024);
  assert.equal(config.getNumber("max-pending-packets", 0), 2048);
  assert.ok(warnings.some((w) => w.includes('"max_pending_packets" is deprecated')));
  // a file replaces the defaults entirely, as in Suricata
  assert.equal(config.get("app-layer"), undefined);
  assert.deepEqual(config.ruleFiles(), ["/opt/rules/local.rules", "/abs/other.rules"]);
  assert.equal(config.classificationFile(), "/nonexistent/classification.config");
});

Deno.test("config: accessors fall back on absent or malformed values", () => {
  const { config } = loadConfigText("%YAML 1.1\n---\na: maybe\nb: 12x\nc: 0x10\nd: 1.5kb\n");
  assert.equal(config.getBool("a", true), true);
  assert.equal(config.getBool("zz", false), false);
  assert.equal(config.getNumber("b", 7), 7);
  assert.equal(config.getNumber("c", 7), 16);
  assert.equal(config.getSize("d", 0), 1536);
  assert.equal(config.getSize("a", 3), 3);
  assert.equal(config.getString("zz.yy", "x"), "x");
});

Deno.test("config: problems are reported with file and position", () => {
  const noHeader = loadConfig({ file: fixture("noheader.yaml") });
  assert.equal(noHeader.config.addressGroups().get("HOME_NET"), "any");
  assert.equal(noHeader.warnings.length, 1);
  assert.match(
    noHeader.warnings[0],
    /noheader\.yaml:1:1: the file does not start with "%YAML 1\.1"/,
  );
  assert.throws(() => loadConfig({ file: fixture("bad-yaml.txt") }), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /bad-yaml\.txt:\d+:\d+: /);
    return true;
  });
  assert.throws(() => loadConfig({ file: fixture("cycle.yaml") }), /includes itself/);
  assert.throws(
    () => loadConfig({ file: fixture("missing-include.yaml") }),
    /missing-include\.yaml:5:5: cannot include "nowhere\.yaml": no such file/,
  );
  assert.throws(() => loadConfig({ file: fixture("absent.yaml") }), /absent\.yaml: cannot read/);
  assert.throws(() => loadConfigText("%YAML 1.1\n---\n- a\n- b\n"), /must be a mapping/);
});

Deno.test({
  name: "config: every suricata.yaml of suricata-verify loads",
  ignore: !HAVE_CORPUS,
  fn() {
    const root = join(CORPUS_DIR, "suricata-verify");
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of Deno.readDirSync(dir)) {
        const p = join(dir, e.name);
        if (e.isDirectory) walk(p);
        else if (e.name.endsWith(".yaml") && e.name !== "test.yaml") files.push(p);
      }
    };
    walk(root);
    assert.ok(files.length >= 90, `${files.length} configuration files`);
    for (const file of files) {
      const { config } = loadConfig({ file });
      assert.ok(config.root.children.length > 0, file);
    }
  },
});
