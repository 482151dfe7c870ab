'use strict';
// Hyperledger Composer business network cards through Composer's own code (composer-common
// 0.20.9, pinned in package.json): `IdCard.fromArchive` reads a card we wrote, `toArchive`
// writes one for us to read.
//
//   node composer-card.js read CARD
//     prints {userName, businessNetwork, description, roles, connection, certificate, privateKey}
//   node composer-card.js write CARD CERT_PEM KEY_PEM USER MSPID
//     writes a card for USER of MSPID holding that certificate and key
const fs = require('fs');
const IdCard = require('composer-common').IdCard;

async function main() {
    const [mode, card, ...rest] = process.argv.slice(2);
    if (mode === 'read') {
        const id = await IdCard.fromArchive(fs.readFileSync(card));
        const credentials = id.getCredentials();
        console.log(JSON.stringify({
            userName: id.getUserName(),
            businessNetwork: id.getBusinessNetworkName() || null,
            description: id.getDescription(),
            roles: id.getRoles(),
            connection: id.getConnectionProfile(),
            certificate: credentials.certificate || null,
            privateKey: credentials.privateKey || null,
        }));
    } else if (mode === 'write') {
        const [certPath, keyPath, user, mspid] = rest;
        const id = new IdCard(
            { version: 1, userName: user, description: 'written by composer-common', businessNetwork: 'trade-network' },
            { name: 'composer-profile', 'x-type': 'hlfv1', version: '1.0.0', client: { organization: 'Org1' },
              organizations: { Org1: { mspid } } });
        id.setCredentials({ certificate: fs.readFileSync(certPath, 'utf8'), privateKey: fs.readFileSync(keyPath, 'utf8') });
        fs.writeFileSync(card, await id.toArchive({ type: 'nodebuffer' }));
    } else {
        throw new Error('usage: composer-card.js read CARD | write CARD CERT KEY USER MSPID');
    }
}

main().catch((e) => { console.error(`composer-card.js: ${e.stack || e}`); process.exit(1); });
