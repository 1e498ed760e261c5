# Installs deskfleet-host on Windows from the Deskfleet control plane that served this file:
#
#   & ([scriptblock]::Create((irm https://<control plane>/install.ps1))) -Desktop <id>
#
# Node.js 22 or newer is all it needs. It downloads the host bundle from the
# same control plane, checks its SHA-256 against the one the control plane
# published, and the bundle installs itself under %USERPROFILE%\.deskfleet (or
# -Prefix). The host token is asked for without echo (or read from standard
# input when it is redirected) and handed to the bundle on its standard input,
# so it is never on a command line.
param(
  [Parameter(Mandatory = $true)][string]$Desktop,
  [string]$Prefix,
  [string]$Vnc,
  [string]$VncPasswordFile,
  [string]$Server,
  [switch]$Service
)
$ErrorActionPreference = 'Stop'

# Filled in by the control plane when it serves this file.
$DeskfleetServer = '__DESKFLEET_SERVER__'
$DeskfleetRelease = '__DESKFLEET_RELEASE__'
$DeskfleetBundlePath = '__DESKFLEET_BUNDLE_PATH__'
$DeskfleetBundleSha256 = '__DESKFLEET_BUNDLE_SHA256__'
$DeskfleetNodeMajor = [int]'__DESKFLEET_NODE_MAJOR__'

# A throw, not exit: run as a script block from the prompt, exit would close the person's PowerShell window.
function Fail([string]$Message) {
  throw "deskfleet install: $Message"
}

$node = Get-Command node -ErrorAction SilentlyContinue
if (-not $node) { Fail "node is not on PATH. deskfleet-host needs Node.js $DeskfleetNodeMajor or newer: install it (https://nodejs.org or winget install OpenJS.NodeJS.LTS) and run this line again." }
$major = [int](& $node.Source -p "process.versions.node.split('.')[0]")
if ($major -lt $DeskfleetNodeMajor) { Fail "Node.js $(& $node.Source --version) is too old: deskfleet-host $DeskfleetRelease needs Node.js $DeskfleetNodeMajor or newer." }

$url = [Uri]::new([Uri]$DeskfleetServer, $DeskfleetBundlePath).AbsoluteUri
$dir = Join-Path ([IO.Path]::GetTempPath()) ("deskfleet-install-" + [guid]::NewGuid())
New-Item -ItemType Directory -Path $dir | Out-Null
try {
  $bundle = Join-Path $dir "deskfleet-host-$DeskfleetRelease.mjs"
  Write-Host "Downloading deskfleet-host $DeskfleetRelease from $DeskfleetServer"
  try { Invoke-WebRequest -UseBasicParsing -Uri $url -OutFile $bundle } catch { Fail "cannot download ${url}: $($_.Exception.Message)" }
  $actual = (Get-FileHash -Algorithm SHA256 -Path $bundle).Hash.ToLowerInvariant()
  if ($actual -ne $DeskfleetBundleSha256) {
    Fail ("the downloaded host bundle failed its checksum; nothing was installed.`n  bundle:   $url`n  expected: $DeskfleetBundleSha256 (published by the control plane)`n  got:      $actual`n" +
      "  Something between this machine and the control plane changed the file (a proxy or a cache), or the download broke. Run the installer again.")
  }
  Write-Host "Checksum verified (SHA-256 $actual)"

  if ([Console]::IsInputRedirected) {
    $token = [Console]::In.ReadLine()
  } else {
    $secure = Read-Host -AsSecureString "Paste the host token for desktop $Desktop (from the dashboard; it is not shown)"
    $token = [Runtime.InteropServices.Marshal]::PtrToStringBSTR([Runtime.InteropServices.Marshal]::SecureStringToBSTR($secure))
  }
  $setup = @('setup', '--server', $(if ($Server) { $Server } else { $DeskfleetServer }), '--desktop', $Desktop, '--token-stdin')
  if ($Prefix) { $setup += @('--prefix', $Prefix) }
  if ($Vnc) { $setup += @('--vnc', $Vnc) }
  if ($VncPasswordFile) { $setup += @('--vnc-password-file', $VncPasswordFile) }
  if ($Service) { $setup += '--service' }
  $token | & $node.Source $bundle @setup
  $token = $null
  if ($LASTEXITCODE -ne 0) { Fail "setup stopped (exit code $LASTEXITCODE); see above." }
} finally {
  Remove-Item -Recurse -Force -Path $dir -ErrorAction SilentlyContinue
}
