/** The faults one device draws for one task, from its profile's probabilities; each happens at most once per task. */
import { INSTALL_FAILURE_STEPS } from '../ota/codes.ts';
import type { Rng } from './random.ts';

/** Fault probabilities of a profile (scenario `profiles[].faults`). */
export interface FaultOdds {
  abortDownload: number;
  md5Mismatch: number;
  installFailure: number;
  lowBattery: number;
  reboot: number;
  stall: number;
  stallTime: number;
}

/** Where in the package (fraction 0..1) each drawn fault strikes; absent = does not happen. */
export interface FaultPlan {
  abortAt?: number;
  stallAt?: number;
  lowBatteryAt?: number;
  rebootAt?: number;
  stallMs: number;
  md5Mismatch: boolean;
  /** Step reported when the install fails (202, 203, 204 or 206). */
  installFailStep?: number;
}

/** Draws a plan; always consumes the same number of random draws so runs stay reproducible. */
export function drawFaultPlan(odds: FaultOdds, rng: Rng): FaultPlan {
  const d = Array.from({ length: 12 }, () => rng.next());
  const at = (u: number) => 0.05 + 0.9 * u;
  const plan: FaultPlan = { stallMs: odds.stallTime, md5Mismatch: d[6]! < odds.md5Mismatch };
  if (d[0]! < odds.abortDownload) plan.abortAt = at(d[1]!);
  if (d[2]! < odds.stall) plan.stallAt = at(d[3]!);
  if (d[4]! < odds.lowBattery) plan.lowBatteryAt = at(d[5]!);
  if (d[7]! < odds.reboot) plan.rebootAt = at(d[8]!);
  if (d[9]! < odds.installFailure)
    plan.installFailStep = INSTALL_FAILURE_STEPS[Math.floor(d[10]! * INSTALL_FAILURE_STEPS.length)]!;
  return plan;
}
