/**
 * NeuronCoreFold takes neuronCoreQuery's answer (`avg by (instance_id, neuroncore)`, in percent) as a
 * workspace sends it, series by series: what neuron-monitor reports of machines it should not place
 * (another instance, a GPU machine, a core past the instance type's devices, no core label), NaN points
 * and ratios over 1, and evaluations outside the window, are left out or bounded, never made a device's.
 */
import { describe, expect, it } from 'vitest';
import type { GpuResource } from '../../../../shared/domain';
import { resource } from '../../domain/testing/factories';
import { NeuronCoreFold } from './map';

const MIN = 60_000;
const FROM = Date.parse('2026-12-01T12:00:00Z');
const TO = FROM + 3 * MIN;

/** A trn1.32xlarge as the inventory holds it: 16 Neuron devices of 2 cores each. */
const trainium = resource('i-0trn', {
  cloud: 'aws',
  instanceType: 'trn1.32xlarge',
  gpuModel: 'Trainium',
  gpuCount: 16,
  tags: { 'aws:accelerator': 'neuron', 'aws:neuronCoresPerDevice': '2' },
});
const gpuMachine = resource('i-0gpu', { cloud: 'aws', instanceType: 'p5.48xlarge', gpuCount: 8, tags: {} });
/** A Neuron machine whose instance type the catalog did not know: no cores per device. */
const unknownType = resource('i-0new', { cloud: 'aws', instanceType: 'trn9.future', gpuModel: 'Trainium', gpuCount: 4, tags: { 'aws:accelerator': 'neuron' } });
const byId = new Map<string, GpuResource>([trainium, gpuMachine, unknownType].map((r) => [r.id, r]));

/** Feeds one series of evaluations at minute ends (seconds), as the range query's answer carries them. */
function feed(fold: NeuronCoreFold, metric: Record<string, string>, points: ReadonlyArray<[number, number]>): void {
  fold.series(metric, Float64Array.from(points.map(([t]) => t / 1000)), Float64Array.from(points.map(([, v]) => v)), points.length);
}

describe('NeuronCoreFold', () => {
  it("gives each device the mean of its cores per minute, and leaves out what is not one of ours", () => {
    const fold = new NeuronCoreFold(byId, 60, FROM, TO);
    // Device 0 (cores 0 and 1) over the window's three minutes; evaluations at each minute's end.
    feed(fold, { instance_id: trainium.id, neuroncore: '0' }, [[FROM + MIN, 40], [FROM + 2 * MIN, 60], [FROM + 3 * MIN, 80]]);
    feed(fold, { instance_id: trainium.id, neuroncore: '1' }, [[FROM + MIN, 20], [FROM + 2 * MIN, Number.NaN], [FROM + 3 * MIN, 140]]);
    // Device 15's second core: the last the instance type has.
    feed(fold, { instance_id: trainium.id, neuroncore: '31' }, [[FROM + MIN, 10]]);
    // An evaluation before the window (the minute before FROM) and one past it (a window reaching past now).
    feed(fold, { instance_id: trainium.id, neuroncore: '2' }, [[FROM, 99], [TO + MIN, 99]]);
    // Not ours to place: a core past the devices, no core label, another instance, a GPU machine, an
    // instance type with no known cores per device, no instance label at all.
    feed(fold, { instance_id: trainium.id, neuroncore: '32' }, [[FROM + MIN, 99]]);
    feed(fold, { instance_id: trainium.id }, [[FROM + MIN, 99]]);
    feed(fold, { instance_id: 'i-0elsewhere', neuroncore: '0' }, [[FROM + MIN, 99]]);
    feed(fold, { instance_id: gpuMachine.id, neuroncore: '0' }, [[FROM + MIN, 99]]);
    feed(fold, { instance_id: unknownType.id, neuroncore: '0' }, [[FROM + MIN, 99]]);
    feed(fold, { neuroncore: '0' }, [[FROM + MIN, 99]]);

    const got = fold.samples().map((s) => [s.resourceId, s.gpuIndex, (s.ts - FROM) / MIN, s.utilisation, s.utilSource]);
    expect(got).toEqual([
      [trainium.id, 0, 0, 30, 'provider'],
      [trainium.id, 15, 0, 10, 'provider'],
      // Core 1's NaN is no reading: the minute is core 0's alone.
      [trainium.id, 0, 1, 60, 'provider'],
      // A ratio over 1 (140 %) counts as 100.
      [trainium.id, 0, 2, 90, 'provider'],
    ]);
    // No memory, power or temperature is read of a Neuron device: none is made up.
    expect(fold.samples().every((s) => s.memoryUsedMiB === null && s.powerWatts === null && s.temperatureC === null && s.xidErrors === 0)).toBe(true);
  });
});
