console.log(require('fs').readFileSync('out.txt', 'utf8'))
