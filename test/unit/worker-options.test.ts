import { globalHandlers } from '@temporalio/worker/lib/workflow/vm-shared';
import { SHUTDOWN_GRACE, skipWorkflowStackTraceHook, workflowSource } from '../../workers/create-worker';

describe('worker options', () => {
  it('production workers refuse to start without the prebuilt workflow bundle, naming WORKFLOW_BUNDLE_PATH', () => {
    expect(() => workflowSource({ env: 'production', temporal: { workflowBundlePath: undefined } })).toThrow(/^WORKFLOW_BUNDLE_PATH is required/);
  });

  it('production workers load the bundle they are given', () => {
    expect(workflowSource({ env: 'production', temporal: { workflowBundlePath: '/app/dist/workflow-bundle.js' } })).toEqual({
      workflowBundle: { codePath: '/app/dist/workflow-bundle.js' },
    });
  });

  it('development workers compile the workflows from source', () => {
    expect(workflowSource({ env: 'development', temporal: { workflowBundlePath: undefined } })).toEqual({ workflowsPath: expect.stringMatching(/workflows/) });
  });

  it('a draining worker lets the longest step of its queue finish (300 s exports and cleanup batches, 30 s sends)', () => {
    expect(parseInt(SHUTDOWN_GRACE.reports, 10)).toBeGreaterThan(300);
    expect(parseInt(SHUTDOWN_GRACE.default, 10)).toBeGreaterThan(300);
    expect(parseInt(SHUTDOWN_GRACE.notifications, 10)).toBeGreaterThan(30);
  });
  it("the SDK's per-promise stack-trace hook stays off in worker processes (the SDK internal it reaches is still there)", () => {
    const handlers = globalHandlers as unknown as { promiseHookInstalled: boolean; install(): void };
    expect(skipWorkflowStackTraceHook()).toBe(true);
    // what the SDK calls when it creates the workflow context: installs nothing now
    handlers.install();
    expect(handlers.promiseHookInstalled).toBe(false);
    expect(skipWorkflowStackTraceHook()).toBe(true);
  });
});
