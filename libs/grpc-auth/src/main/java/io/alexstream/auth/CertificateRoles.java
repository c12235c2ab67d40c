package io.alexstream.auth;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Which client certificate acts as which role: the subject common name (CN) of a certificate
 * the TLS handshake has already verified against the server's trust store. The CN alone proves
 * nothing; it is the trust store (the deployment's own CA) that makes it a credential.
 */
public final class CertificateRoles {

    private final Map<String, Role> roles;

    private CertificateRoles(Map<String, Role> roles) {
        this.roles = Map.copyOf(roles);
    }

    public static CertificateRoles none() {
        return new CertificateRoles(Map.of());
    }

    /** Roles from configuration: each role's certificate CN, where one is set. Two roles may not share a CN. */
    public static CertificateRoles of(Optional<String> trainer, Optional<String> worker, Optional<String> operator) {
        Map<Role, Optional<String>> configured = new EnumMap<>(Role.class);
        configured.put(Role.TRAINER, trainer);
        configured.put(Role.WORKER, worker);
        configured.put(Role.OPERATOR, operator);
        return of(configured);
    }

    /** Roles from configuration, by role: each role's certificate CN, where one is set. */
    public static CertificateRoles of(Map<Role, Optional<String>> configured) {
        Map<String, Role> byName = new HashMap<>();
        configured.forEach((role, name) -> name.map(String::trim)
                .filter(n -> !n.isEmpty())
                .ifPresent(n -> {
                    Role previous = byName.put(n, role);
                    if (previous != null) {
                        throw new IllegalArgumentException(
                                "roles " + previous.name().toLowerCase() + " and "
                                        + role.name().toLowerCase() + " name the same client certificate CN=" + n
                                        + ": each role needs its own");
                    }
                }));
        return new CertificateRoles(byName);
    }

    public boolean isConfigured(Role role) {
        return roles.containsValue(role);
    }

    public Optional<Role> roleOf(String commonName) {
        return Optional.ofNullable(roles.get(commonName));
    }

    /** The CN of the verified peer certificate of a TLS session; empty without TLS or without a client certificate. */
    public static Optional<String> peerCommonName(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
                return Optional.empty();
            }
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    return Optional.of(rdn.getValue().toString());
                }
            }
            return Optional.empty();
        } catch (SSLPeerUnverifiedException | InvalidNameException e) {
            return Optional.empty();
        }
    }
}
