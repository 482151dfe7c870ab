'use strict';
// Loads a Caliper network configuration's identities with Caliper's own code
// (@hyperledger/caliper-fabric 0.6.0: IdentityManager with the peer-gateway binding's wallet
// facade, which is how Caliper's fabric-gateway connector gets its identities), then signs
// MESSAGE with each loaded private key (ECDSA P-256 / SHA-256, DER).
//
//   node caliper-identities.js NETWORK_CONFIG_JSON MESSAGE_HEX
//     prints [{mspId, alias, certificate, signature (base64)}] for every organization's aliases
const fs = require('fs');
const crypto = require('crypto');
const IdentityManagerFactory = require('@hyperledger/caliper-fabric/lib/identity-management/IdentityManagerFactory');
const WalletFacadeFactory = require('@hyperledger/caliper-fabric/lib/connector-versions/peer-gateway/WalletFacadeFactory');

async function main() {
    const [configPath, messageHex] = process.argv.slice(2);
    const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
    const manager = await new IdentityManagerFactory().create(new WalletFacadeFactory(), config.organizations);
    const facade = manager.getWalletFacade();
    const out = [];
    for (const org of config.organizations) {
        for (const alias of await manager.getAliasNamesForOrganization(org.mspid)) {
            const exported = await facade.export(alias);
            const signature = crypto.sign('sha256', Buffer.from(messageHex, 'hex'), exported.privateKey);
            out.push({ mspId: exported.mspid, alias, certificate: exported.certificate, signature: signature.toString('base64') });
        }
    }
    console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(`caliper-identities.js: ${e.stack || e}`); process.exit(1); });
