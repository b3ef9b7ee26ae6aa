import { join } from 'node:path';
import { seedCustomers } from './seed-customers';
import { BaselineProcess } from './baseline-process';
// eslint-disable-next-line
const fixture = require(join(BaselineProcess.dir(), 'customer.js'));
seedCustomers(process.argv[2], Number(process.argv[3]), (i) => ({ id: fixture.seedId(i), document: fixture.makeCustomer(i) })).then((ms) => console.log('seeded', ms));
