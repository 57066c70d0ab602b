package io.cdnguard;

/** The CDNs cdnguard recognises from request headers. {@link #label()} is the metric label. */
public enum Cdn {
    /** Amazon CloudFront ({@code X-Amz-Cf-Id}, {@code Via: ... (CloudFront)}). */
    CLOUDFRONT("cloudfront"),
    /** Fastly ({@code Fastly-FF}, {@code CDN-Loop: Fastly}). */
    FASTLY("fastly"),
    /** Akamai ({@code Akamai-Origin-Hop}, {@code Via: ... AkamaiGHost}). */
    AKAMAI("akamai"),
    /** Cloudflare ({@code CF-Ray}, {@code CDN-Loop: cloudflare}). */
    CLOUDFLARE("cloudflare"),
    /** Google Cloud CDN ({@code Via: 1.1 google}, {@code X-Cloud-Trace-Context}). */
    GOOGLE("google"),
    /** Azure Front Door ({@code X-Azure-Ref}, {@code X-FD-*}). */
    AZURE("azure"),
    /** Varnish or another cache announcing itself in {@code Via} or {@code X-Varnish}. */
    VARNISH("varnish"),
    /** A CDN recognised by RFC 8586 {@code CDN-Loop} or a user rule but not otherwise known. */
    OTHER("other");

    private final String label;

    Cdn(String label) {
        this.label = label;
    }

    /** The lower-case metric label, e.g. {@code "cloudfront"}. */
    public String label() {
        return label;
    }
}
