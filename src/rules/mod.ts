/**
 * Rules and their configuration: the Suricata 7 rule language parsed into a
 * syntax-level model (options kept raw for the detection engine's keyword
 * registry), address and port specs resolved against the configuration's
 * variables into allocation-free matchable sets, suricata.yaml loading with
 * `--set` overrides, classification.config and reference.config.
 *
 * @example
 * ```ts
 * import {
 *   AddressResolver, formatDiagnostic, loadConfig, loadRuleFiles, matchesIpv4, PortResolver,
 * } from "./mod.ts";
 * const { config } = loadConfig();
 * const { rules, errors } = loadRuleFiles(["rules/"]);
 * for (const e of errors) console.error(formatDiagnostic(e));
 * const addresses = new AddressResolver(config.addressGroups());
 * const ports = new PortResolver(config.portGroups());
 * for (const rule of rules) {
 *   const src = addresses.resolve(rule.source);
 *   if ("error" in src) console.error(formatDiagnostic(src.error));
 *   else if (matchesIpv4(src.set, 0xc0a80001)) console.log(rule.sid, "applies to 192.168.0.1");
 *   void ports;
 * }
 * ```
 *
 * @module
 */

export {
  type AddressListNode,
  type AddressNode,
  type AddressNodeBase,
  AddressResolver,
  type AddressSpec,
  type AddressVariableNode,
  ANY_IP_SET,
  type AnyAddressNode,
  formatIpv4,
  formatIpv6,
  type IpSet,
  ipSetIsAny,
  ipSetToStrings,
  type Ipv4AddressNode,
  type Ipv6AddressNode,
  matchesIpv4,
  matchesIpv6,
  parseAddressSpec,
  parseIpv4,
  parseIpv6,
  type SpecSyntaxError,
} from "./address.ts";
export {
  type Classification,
  type ClassificationConfig,
  loadClassificationFile,
  parseClassificationConfig,
} from "./classification.ts";
export {
  BUNDLED_CLASSIFICATION_FILE,
  BUNDLED_REFERENCE_FILE,
  ConfigError,
  ConfigNode,
  loadConfig,
  type LoadConfigOptions,
  loadConfigText,
  type LoadedConfig,
  SuricataConfig,
  SYSTEM_CLASSIFICATION_FILE,
  SYSTEM_REFERENCE_FILE,
} from "./config.ts";
export {
  diagnosticAt,
  formatDiagnostic,
  type Locator,
  type RuleDiagnostic,
  type SourceLocation,
} from "./diagnostic.ts";
export {
  ANY_PORT_SET,
  type AnyPortNode,
  matchesPort,
  parsePortSpec,
  type PortListNode,
  type PortNode,
  type PortNodeBase,
  type PortRangeNode,
  PortResolver,
  type PortSet,
  portSetIsAny,
  portSetToBitmap,
  portSetToStrings,
  type PortSpec,
  type PortVariableNode,
} from "./port.ts";
export {
  loadReferenceFile,
  parseReferenceConfig,
  type ReferenceConfig,
} from "./reference_config.ts";
export {
  comparableRule,
  formatOption,
  formatRule,
  locateIn,
  locateInRule,
  type ParsedRule,
  RULE_ACTIONS,
  type RuleAction,
  type RuleDirection,
  type RuleOption,
} from "./rule.ts";
export { loadRuleFiles, parseRuleFiles } from "./rule_files.ts";
export { parseRule, parseRules, type ParseRulesResult } from "./rule_parser.ts";
