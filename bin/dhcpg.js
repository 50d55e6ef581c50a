#!/usr/bin/env node
// dhcpg runs from its TypeScript sources (tsx), so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
