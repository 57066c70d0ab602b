/** io.cdnguard.samples.backtest. */
package io.cdnguard.samples.backtest;
