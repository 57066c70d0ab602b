/** Implementation; not API. Classes here may change in any release. */
package io.cdnguard.internal;
