/**
 * Self-signed certificate for 127.0.0.1/localhost, valid until 2125, used only by the emulator's
 * loopback media upload endpoint (Baileys always uploads over https). Clients must be given
 * `rejectUnauthorized: false` (see `baileysSocketConfig`). Not a secret: it protects nothing.
 */
export const MEDIA_TLS_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBnzCCAUWgAwIBAgIUNplrcsMNKqQttjXA5sWaYvWpPK8wCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLd2EtZW11bGF0b3IwIBcNMjYxMTIzMDA0MDMxWhgPMjEyNjEw
MzAwMDQwMzFaMBYxFDASBgNVBAMMC3dhLWVtdWxhdG9yMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEamqXaydk+AnOxYYz741590en6kNTkjHAeJEzHpeSyDFEbxgx
4/NIthZy44mvAjUGUzwyc5Exfp/fb//wifIgFKNvMG0wHQYDVR0OBBYEFJPF32ZV
W1hpIeH0uGEwhDsKK+A/MB8GA1UdIwQYMBaAFJPF32ZVW1hpIeH0uGEwhDsKK+A/
MA8GA1UdEwEB/wQFMAMBAf8wGgYDVR0RBBMwEYcEfwAAAYIJbG9jYWxob3N0MAoG
CCqGSM49BAMCA0gAMEUCIHlZWp04sgRRu332plUm9tojmk36kcDx6AbWyzF2kyNV
AiEA5rhA8PupSknk4cJ1IMCUkeOdE5sneI8i9q7lKpU8KHs=
-----END CERTIFICATE-----
`;

export const MEDIA_TLS_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgv1U2PSTloXLfYEx8
peg1herBsFXA5P5Xr1EbB9huokChRANCAARqapdrJ2T4Cc7FhjPvjXn3R6fqQ1OS
McB4kTMel5LIMURvGDHj80i2FnLjia8CNQZTPDJzkTF+n99v//CJ8iAU
-----END PRIVATE KEY-----
`;
