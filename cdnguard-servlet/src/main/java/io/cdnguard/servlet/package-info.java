/** io.cdnguard.servlet. */
package io.cdnguard.servlet;
