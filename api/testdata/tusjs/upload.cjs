// Uploads a file with tus-js-client as a phone app would, retrying through dropped
// connections. Usage: node upload.cjs <endpoint> <file> <token> <evidence_id>
// Prints {"url": ..., "retries": n} on success; exits 1 with the error otherwise.
const fs = require('node:fs')
const { Upload } = require('tus-js-client')

const [endpoint, file, token, evidenceId] = process.argv.slice(2)
const data = fs.readFileSync(file)
let retries = 0
const upload = new Upload(data, {
  endpoint,
  headers: { Authorization: 'Bearer ' + token },
  metadata: { evidence_id: evidenceId, filename: '执法记录仪.mp4' },
  uploadSize: data.length,
  retryDelays: [0, 200, 500, 1000, 1000, 2000, 2000, 3000],
  onShouldRetry (err, attempt, options) {
    retries++
    const status = err.originalResponse ? err.originalResponse.getStatus() : 0
    return status === 0 || status === 409 || status === 423 || status >= 500
  },
  onError (err) {
    console.error(String(err))
    process.exit(1)
  },
  onSuccess () {
    console.log(JSON.stringify({ url: upload.url, retries }))
    process.exit(0)
  }
})
upload.start()
