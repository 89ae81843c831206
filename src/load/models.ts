/**
 * The registry of load models: `load.model` of a scenario → its implementation. A new model is one
 * file of `src/load/`, its schema in the `load` union of `src/scenario/schema.ts`, and one line here.
 */
import { type ArrivalRateConfig, arrivalRateModel } from './arrival-rate.ts';
import { type FleetConfig, fleetModel } from './fleet.ts';
import type { LoadModel } from './model.ts';
import { type RampingFleetConfig, rampingFleetModel } from './ramping-fleet.ts';

/** Every `load` section a scenario can have. */
export type LoadConfig = FleetConfig | ArrivalRateConfig | RampingFleetConfig;

/** The model of each `load.model` name. */
export const LOAD_MODELS: {
  readonly [K in LoadConfig['model']]: LoadModel<Extract<LoadConfig, { model: K }>>;
} = {
  fleet: fleetModel,
  'arrival-rate': arrivalRateModel,
  'ramping-fleet': rampingFleetModel,
};

/** The model of a `load` section, typed for its config. */
export function loadModelOf<C extends LoadConfig>(config: C): LoadModel<C> {
  return LOAD_MODELS[config.model] as unknown as LoadModel<C>;
}
