// Package guards holds architecture tests: checks over the source tree that keep the spec-087
// cut-over from being undone (no legacy run tables, models or pages creeping back).
package guards
