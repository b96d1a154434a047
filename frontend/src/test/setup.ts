import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// jsdom has no scrolling; the router restores scroll positions.
window.scrollTo = () => {};
Element.prototype.scrollTo = () => {};
// The router and queries update state from their own promises and timers, outside act(); the
// tests wait for what the user would see (findBy…, waitFor) instead, so React's act() reminder
// is noise here. Every other console error still shows.
const consoleError = console.error;
console.error = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('not wrapped in act(')) return;
  consoleError(...args);
};

afterEach(() => {
  cleanup();
  sessionStorage.clear();
  localStorage.clear();
});
