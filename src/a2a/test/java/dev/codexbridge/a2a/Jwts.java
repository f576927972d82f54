package dev.codexbridge.a2a;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;

/** Keys and tokens for the JWT tests: an RSA and an EC key in a JWKS, an HS256 secret. */
final class Jwts {
    static final String ISSUER = "https://login.example";
    static final String AUDIENCE = "codex-agent";
    static final byte[] SECRET = "an-hs256-secret-of-32-bytes-or-more!".getBytes(StandardCharsets.UTF_8);
    final RSAKey rsa;
    final ECKey ec;

    Jwts() throws JOSEException {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    }

    /** The public keys, as a JWKS file holds them. */
    String jwks() {
        return new JWKSet(List.<JWK>of(rsa.toPublicJWK(), ec.toPublicJWK())).toString();
    }

    /** Claims for {@code subject}: the issuer and audience expected, valid for 5 minutes; {@code change} alters them. */
    static JWTClaimsSet claims(String subject, UnaryOperator<JWTClaimsSet.Builder> change) {
        Instant now = Instant.now();
        return change.apply(new JWTClaimsSet.Builder().subject(subject).issuer(ISSUER).audience(AUDIENCE)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))).build();
    }

    String rs256(JWTClaimsSet claims) throws JOSEException {
        return sign(new RSASSASigner(rsa), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID()).build(), claims);
    }

    String es256(JWTClaimsSet claims) throws JOSEException {
        return sign(new ECDSASigner(ec), new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(), claims);
    }

    static String hs256(byte[] secret, JWTClaimsSet claims) throws JOSEException {
        return sign(new MACSigner(secret), new JWSHeader(JWSAlgorithm.HS256), claims);
    }

    /** An unsigned token ({@code alg: none}). */
    static String unsigned(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }

    private static String sign(JWSSigner signer, JWSHeader header, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(header, claims);
        jwt.sign(signer);
        return jwt.serialize();
    }
}
