import { describe, expect, it } from 'vitest';
import { admission, admissionMode, DEFAULT_ADMISSION, saturated } from './admission.js';
import type { AdmissionOptions } from './admission.js';
import { clusterView, instanceView } from './testing/views.js';

const noModel = () => undefined;
const req = { promptTokens: 100, ttftTargetMs: 250, hopeless: false };
const saturation: AdmissionOptions = { ...DEFAULT_ADMISSION, mode: 'saturation' };
const waiting = (n: number) => Array.from({ length: n }, () => ({}));

describe('admission modes', () => {
  it('accepts the live name off as none and refuses unknown names', () => {
    expect(admissionMode('off')).toBe('none');
    expect(admissionMode('none')).toBe('none');
    expect(admissionMode('saturation')).toBe('saturation');
    expect(admissionMode('slo')).toBe('slo');
    expect(admissionMode('Slo')).toBeUndefined();
    expect(admissionMode('')).toBeUndefined();
  });

  it('none admits even a fleet with every queue full', () => {
    const full = clusterView([{ waiting: waiting(300) }, { waiting: waiting(300) }]);
    expect(admission({ ...DEFAULT_ADMISSION, mode: 'none' }, full, req, noModel).admit).toBe(true);
    expect(admission(DEFAULT_ADMISSION, full, req, noModel)).toMatchObject({
      admit: false,
      reason: 'queue',
    });
  });
});

describe('saturation (llm-d detector: queue >= 5 or KV >= 0.8 on every instance)', () => {
  it('an instance is saturated at either threshold, not below both', () => {
    const t = DEFAULT_ADMISSION.saturation;
    expect(saturated(instanceView('a', { waiting: waiting(4), usedBlocks: 799 }), t)).toBe(false);
    expect(saturated(instanceView('a', { waiting: waiting(5) }), t)).toBe(true);
    expect(saturated(instanceView('a', { usedBlocks: 800 }), t)).toBe(true);
    // pending placements (decided, not yet delivered) count as queued
    expect(saturated(instanceView('a', { waiting: waiting(3), pending: waiting(2) }), t)).toBe(
      true,
    );
  });

  it('sheds only when every ready instance is saturated', () => {
    const one = clusterView([{ waiting: waiting(5) }, { usedBlocks: 100 }]);
    expect(admission(saturation, one, req, noModel).admit).toBe(true);
    const all = clusterView([{ waiting: waiting(5) }, { usedBlocks: 900 }]);
    expect(admission(saturation, all, req, noModel)).toMatchObject({
      admit: false,
      reason: 'saturation',
    });
    // a draining instance is no candidate: the ready ones decide
    const draining = clusterView([{ waiting: waiting(9) }, { status: 'draining' }]);
    expect(admission(saturation, draining, req, noModel).admit).toBe(false);
  });

  it('a request of positive priority passes a saturated fleet', () => {
    const all = clusterView([{ waiting: waiting(5) }]);
    expect(admission(saturation, all, { ...req, priority: 1 }, noModel).admit).toBe(true);
  });

  it('does not look at the TTFT target', () => {
    const idle = clusterView([{}, {}]);
    expect(admission(saturation, idle, { ...req, ttftTargetMs: 1e-6 }, noModel).admit).toBe(true);
  });
});
