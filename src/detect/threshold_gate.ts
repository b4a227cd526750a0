/**
 * Former home of the threshold gate; it lives in threshold.ts now. Kept so
 * that existing imports keep working.
 *
 * @module
 */

export { ThresholdGate, type ThresholdGateOptions, ThresholdVerdict } from "./threshold.ts";
