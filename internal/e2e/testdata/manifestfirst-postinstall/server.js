// postinstall-reads-source: the install's script reads this file.
console.log(require('fs').readFileSync(__dirname + '/banner.txt', 'utf8'));
