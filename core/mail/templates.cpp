#include "core/mail/templates.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "core/mail/locale.hpp"

namespace latchkey {
namespace {

constexpr BuiltinTemplate kBuiltins[] = {
    {"en", "verify_email", "Confirm your email address",
     "Hello {{name}},\n\nPlease confirm your email address by opening this link:\n\n{{link}}\n\n"
     "The link works once and expires in 24 hours. If you did not create an account, ignore this "
     "message.\n",
     "<p>Hello {{name}},</p><p>Please confirm your email address:</p>"
     "<p><a href=\"{{link}}\">Confirm my email address</a></p>"
     "<p>The link works once and expires in 24 hours. If you did not create an account, ignore "
     "this message.</p>"},
    {"en", "reset_password", "Reset your password",
     "Hello {{name}},\n\nSomeone asked to reset the password of your account. To choose a new "
     "password, open this link:\n\n{{link}}\n\nThe link works once and expires in 1 hour. If it "
     "was not you, ignore this message: your password stays as it is.\n",
     "<p>Hello {{name}},</p><p>Someone asked to reset the password of your account.</p>"
     "<p><a href=\"{{link}}\">Choose a new password</a></p><p>The link works once and expires in "
     "1 hour. If it was not you, ignore this message: your password stays as it is.</p>"},
    {"en", "sign_in_code", "Your sign-in code",
     "Your sign-in code is {{code}}\n\nIt expires in 5 minutes. If you did not try to sign in, "
     "ignore this message.\n",
     "<p>Your sign-in code is <strong>{{code}}</strong></p><p>It expires in 5 minutes. If you did "
     "not try to sign in, ignore this message.</p>"},
    {"en", "email_change_code", "Confirm your new email address",
     "Your confirmation code is {{code}}\n\nEnter it to make this the email address of your "
     "account on {{site}}. It expires in 5 minutes. If you did not ask for this, ignore this "
     "message: nothing changes.\n",
     "<p>Your confirmation code is <strong>{{code}}</strong></p><p>Enter it to make this the email "
     "address of your account on {{site}}. It expires in 5 minutes. If you did not ask for this, "
     "ignore this message: nothing changes.</p>"},
    {"en", "notice_new_sign_in", "New sign-in to your account",
     "Hello {{name}},\n\nYour account on {{site}} was signed in to from a device or network it "
     "had not used before:\n\n  When: {{when}}\n  From: {{address}}\n  Using: {{device}}\n\n"
     "If this was you, there is nothing to do. If it was not, change your password now: whoever "
     "signed in knows it.\n",
     "<p>Hello {{name}},</p><p>Your account on {{site}} was signed in to from a device or network "
     "it had not used before:</p><ul><li>When: {{when}}</li><li>From: {{address}}</li><li>Using: "
     "{{device}}</li></ul><p>If this was you, there is nothing to do. If it was not, change your "
     "password now: whoever signed in knows it.</p>"},
    {"en", "notice_password_changed", "Your password was changed",
     "Hello {{name}},\n\nThe password of your account on {{site}} was changed, and every other "
     "session was signed out:\n\n  When: {{when}}\n  From: {{address}}\n  Using: {{device}}\n\n"
     "If this was you, there is nothing to do. If it was not, reset your password with \"Forgot "
     "password\" at once.\n",
     "<p>Hello {{name}},</p><p>The password of your account on {{site}} was changed, and every "
     "other session was signed out:</p><ul><li>When: {{when}}</li><li>From: {{address}}</li>"
     "<li>Using: {{device}}</li></ul><p>If this was you, there is nothing to do. If it was not, "
     "reset your password with \"Forgot password\" at once.</p>"},
    {"en", "notice_account_deleted", "Your account was deleted",
     "Hello {{name}},\n\nYour account on {{site}} was deleted at its owner's request, with its "
     "sessions and its data:\n\n  When: {{when}}\n  From: {{address}}\n  Using: {{device}}\n\n"
     "If this was you, there is nothing to do; this address can register again. If it was not, "
     "someone could act as you there (your password, or a signed-in device or this mailbox): "
     "secure this mailbox, register again, and change that password wherever you used it.\n",
     "<p>Hello {{name}},</p><p>Your account on {{site}} was deleted at its owner's request, with "
     "its sessions and its data:</p><ul><li>When: {{when}}</li><li>From: {{address}}</li>"
     "<li>Using: {{device}}</li></ul><p>If this was you, there is nothing to do; this address can "
     "register again. If it was not, someone could act as you there (your password, or a "
     "signed-in device or this mailbox): secure this mailbox, register again, and change that "
     "password wherever you used it.</p>"},
    {"en", "change_email", "Confirm your new email address",
     "Hello {{name}},\n\nSomeone asked to move an account on {{site}} to this "
     "address. To confirm, open this link:\n\n{{link}}\n\nUntil then the account keeps its "
     "old address. The link works once and expires in 24 hours. If it was not you, ignore this "
     "message: nothing changes.\n",
     "<p>Hello {{name}},</p><p>Someone asked to move an account on {{site}} to this "
     "address.</p><p><a href=\"{{link}}\">Confirm my new email address</a></p><p>Until then the "
     "account keeps its old address. The link works once and expires in 24 hours. If it was not "
     "you, ignore this message: nothing changes.</p>"},
    {"en", "notice_email_changed", "Your email address was changed",
     "Hello {{name}},\n\nThe email address of your account on {{site}} was changed from this "
     "address to {{new_email}}; mail about the account now goes there:\n\n  When: {{when}}\n"
     "  From: {{address}}\n  Using: {{device}}\n\nIf this was you, there is nothing to do. If it "
     "was not, someone could act as you there (with your password, or on a signed-in device) "
     "and has taken the account: contact the site's support at once, and change your password "
     "wherever you used it.\n",
     "<p>Hello {{name}},</p><p>The email address of your account on {{site}} was changed from "
     "this address to {{new_email}}; mail about the account now goes there:</p><ul><li>When: "
     "{{when}}</li><li>From: {{address}}</li><li>Using: {{device}}</li></ul><p>If this was you, "
     "there is nothing to do. If it was not, someone could act as you there (with your "
     "password, or on a signed-in device) and has taken the account: contact the site's support "
     "at once, and change your password wherever you used it.</p>"},
    {"en", "notice_email_change_attempt", "Someone tried to use your email address",
     "Hello {{name}},\n\nSomeone asked to move another account on {{site}} to this address, "
     "which already has an account there. Nothing was changed:\n\n  When: {{when}}\n  From: "
     "{{address}}\n  Using: {{device}}\n\nIf this was you, sign in with this address instead. If "
     "it was not, there is nothing to do: your account is unaffected.\n",
     "<p>Hello {{name}},</p><p>Someone asked to move another account on {{site}} to this "
     "address, which already has an account there. Nothing was changed:</p><ul><li>When: "
     "{{when}}</li><li>From: {{address}}</li><li>Using: {{device}}</li></ul><p>If this was you, "
     "sign in with this address instead. If it was not, there is nothing to do: your account is "
     "unaffected.</p>"},
    {"en", "notice_second_factor_enabled", "Two-step sign-in was turned on",
     "Hello {{name}},\n\nAn authenticator app was set up for your account on {{site}}: signing in "
     "now takes a code from it (or a recovery code) after the password:\n\n  When: {{when}}\n  "
     "From: {{address}}\n  Using: {{device}}\n\n"
     "If this was you, keep your recovery codes somewhere safe. If it was not, someone signed in "
     "as you and could lock you out: reset your password with \"Forgot password\" at once.\n",
     "<p>Hello {{name}},</p><p>An authenticator app was set up for your account on {{site}}: "
     "signing in now takes a code from it (or a recovery code) after the "
     "password:</p><ul><li>When: {{when}}</li><li>From: {{address}}</li>"
     "<li>Using: {{device}}</li></ul><p>If this was you, keep your recovery codes somewhere safe. "
     "If it was not, someone signed in as you and could lock you out: reset your password with "
     "\"Forgot password\" at once.</p>"},
    {"en", "notice_second_factor_disabled", "Two-step sign-in was turned off",
     "Hello {{name}},\n\nThe authenticator app of your account on {{site}} was removed: signing in "
     "takes the password alone again:\n\n  When: {{when}}\n  From: {{address}}\n  Using: "
     "{{device}}\n\n"
     "If this was you, there is nothing to do. If it was not, someone can sign in as you: change "
     "your password now and set up the app again.\n",
     "<p>Hello {{name}},</p><p>The authenticator app of your account on {{site}} was removed: "
     "signing in takes the password alone again:</p><ul><li>When: {{when}}</li><li>From: "
     "{{address}}</li>"
     "<li>Using: {{device}}</li></ul><p>If this was you, there is nothing to do. If it was not, "
     "someone can sign in as you: change your password now and set up the app again.</p>"},
    {"en", "notice_recovery_code_used", "A recovery code was used to sign in",
     "Hello {{name}},\n\nOne of the recovery codes of your account on {{site}} was used to sign "
     "in, instead of a code from your authenticator app. That code cannot be used again:\n\n  "
     "When: {{when}}\n  From: {{address}}\n  Using: {{device}}\n\n"
     "If this was you, consider drawing new recovery codes in your account settings. If it was "
     "not, someone has your password and a recovery code: change your password and draw new "
     "recovery codes now.\n",
     "<p>Hello {{name}},</p><p>One of the recovery codes of your account on {{site}} was used to "
     "sign in, instead of a code from your authenticator app. That code cannot be used "
     "again:</p><ul><li>When: {{when}}</li><li>From: {{address}}</li>"
     "<li>Using: {{device}}</li></ul><p>If this was you, consider drawing new recovery codes in "
     "your account settings. If it was not, someone has your password and a recovery code: change "
     "your password and draw new recovery codes now.</p>"},
    {"en", "notice_passkey_added", "A passkey was added to your account",
     "Hello {{name}},\n\nA passkey was added to your account on {{site}}: it signs in without the "
     "password:\n\n  When: {{when}}\n  From: {{address}}\n  Using: {{device}}\n\n"
     "If this was you, there is nothing to do. If it was not, someone who knows your password "
     "added a way in: remove the passkey in your account settings and change your password now.\n",
     "<p>Hello {{name}},</p><p>A passkey was added to your account on {{site}}: it signs in "
     "without the password:</p><ul><li>When: {{when}}</li><li>From: {{address}}</li>"
     "<li>Using: {{device}}</li></ul><p>If this was you, there is nothing to do. If it was not, "
     "someone who knows your password added a way in: remove the passkey in your account settings "
     "and change your password now.</p>"},
    {"en", "notice_passkey_removed", "A passkey was removed from your account",
     "Hello {{name}},\n\nA passkey was removed from your account on {{site}}; it no longer signs "
     "in:\n\n  When: {{when}}\n  From: {{address}}\n  Using: {{device}}\n\n"
     "If this was you, there is nothing to do. If it was not, someone is signed in as you: change "
     "your password now.\n",
     "<p>Hello {{name}},</p><p>A passkey was removed from your account on {{site}}; it no longer "
     "signs in:</p><ul><li>When: {{when}}</li><li>From: {{address}}</li>"
     "<li>Using: {{device}}</li></ul><p>If this was you, there is nothing to do. If it was not, "
     "someone is signed in as you: change your password now.</p>"},
    {"en", "notice_recovery_codes_replaced", "New recovery codes were made",
     "Hello {{name}},\n\nNew recovery codes were made for your account on {{site}}; the old ones "
     "no longer work:\n\n  When: {{when}}\n  From: {{address}}\n  Using: {{device}}\n\n"
     "If this was you, keep the new codes somewhere safe. If it was not, someone signed in as you "
     "knows your password and holds the new codes: change your password now, then make new codes "
     "yourself.\n",
     "<p>Hello {{name}},</p><p>New recovery codes were made for your account on {{site}}; the old "
     "ones no longer work:</p><ul><li>When: {{when}}</li><li>From: {{address}}</li>"
     "<li>Using: {{device}}</li></ul><p>If this was you, keep the new codes somewhere safe. If it "
     "was not, someone signed in as you knows your password and holds the new codes: change your "
     "password now, then make new codes yourself.</p>"},
    {"es", "verify_email", "Confirma tu dirección de correo",
     "Hola, {{name}}:\n\nConfirma tu dirección de correo abriendo este enlace:\n\n{{link}}\n\n"
     "El enlace sirve una sola vez y caduca en 24 horas. Si no creaste una cuenta, ignora este "
     "mensaje.\n",
     "<p>Hola, {{name}}:</p><p>Confirma tu dirección de correo:</p>"
     "<p><a href=\"{{link}}\">Confirmar mi dirección de correo</a></p>"
     "<p>El enlace sirve una sola vez y caduca en 24 horas. Si no creaste una cuenta, ignora este "
     "mensaje.</p>"},
    {"es", "reset_password", "Restablece tu contraseña",
     "Hola, {{name}}:\n\nAlguien pidió restablecer la contraseña de tu cuenta. Para elegir una "
     "contraseña nueva, abre este enlace:\n\n{{link}}\n\nEl enlace sirve una sola vez y caduca en "
     "1 hora. Si no fuiste tú, ignora este mensaje: tu contraseña no cambia.\n",
     "<p>Hola, {{name}}:</p><p>Alguien pidió restablecer la contraseña de tu cuenta.</p>"
     "<p><a href=\"{{link}}\">Elegir una contraseña nueva</a></p><p>El enlace sirve una sola vez y "
     "caduca en 1 hora. Si no fuiste tú, ignora este mensaje: tu contraseña no cambia.</p>"},
    {"es", "sign_in_code", "Tu código de acceso",
     "Tu código de acceso es {{code}}\n\nCaduca en 5 minutos. Si no intentaste iniciar sesión, "
     "ignora este mensaje.\n",
     "<p>Tu código de acceso es <strong>{{code}}</strong></p><p>Caduca en 5 minutos. Si no "
     "intentaste iniciar sesión, ignora este mensaje.</p>"},
    {"es", "email_change_code", "Confirma tu nueva dirección de correo",
     "Tu código de confirmación es {{code}}\n\nIntrodúcelo para que esta sea la dirección de "
     "correo de tu cuenta de {{site}}. Caduca en 5 minutos. Si no lo pediste, ignora este mensaje: "
     "no cambia nada.\n",
     "<p>Tu código de confirmación es <strong>{{code}}</strong></p><p>Introdúcelo para que esta "
     "sea la dirección de correo de tu cuenta de {{site}}. Caduca en 5 minutos. Si no lo pediste, "
     "ignora este mensaje: no cambia nada.</p>"},
    {"es", "notice_new_sign_in", "Nuevo inicio de sesión en tu cuenta",
     "Hola, {{name}}:\n\nSe inició sesión en tu cuenta de {{site}} desde un dispositivo o una red "
     "que no había usado antes:\n\n  Cuándo: {{when}}\n  Desde: {{address}}\n  Con: {{device}}\n\n"
     "Si fuiste tú, no tienes que hacer nada. Si no, cambia tu contraseña ahora: quien inició "
     "sesión la conoce.\n",
     "<p>Hola, {{name}}:</p><p>Se inició sesión en tu cuenta de {{site}} desde un dispositivo o "
     "una "
     "red que no había usado antes:</p><ul><li>Cuándo: {{when}}</li><li>Desde: {{address}}</li>"
     "<li>Con: {{device}}</li></ul><p>Si fuiste tú, no tienes que hacer nada. Si no, cambia tu "
     "contraseña ahora: quien inició sesión la conoce.</p>"},
    {"es", "notice_password_changed", "Tu contraseña ha cambiado",
     "Hola, {{name}}:\n\nLa contraseña de tu cuenta de {{site}} ha cambiado y se cerraron todas "
     "las demás sesiones:\n\n  Cuándo: {{when}}\n  Desde: {{address}}\n  Con: {{device}}\n\n"
     "Si fuiste tú, no tienes que hacer nada. Si no, restablece tu contraseña con \"¿Olvidaste tu "
     "contraseña?\" cuanto antes.\n",
     "<p>Hola, {{name}}:</p><p>La contraseña de tu cuenta de {{site}} ha cambiado y se cerraron "
     "todas las demás sesiones:</p><ul><li>Cuándo: {{when}}</li><li>Desde: {{address}}</li>"
     "<li>Con: {{device}}</li></ul><p>Si fuiste tú, no tienes que hacer nada. Si no, restablece tu "
     "contraseña con \"¿Olvidaste tu contraseña?\" cuanto antes.</p>"},
    {"es", "notice_account_deleted", "Tu cuenta ha sido eliminada",
     "Hola, {{name}}:\n\nTu cuenta de {{site}} se eliminó a petición de su titular, con sus "
     "sesiones y sus datos:\n\n  Cuándo: {{when}}\n  Desde: {{address}}\n  Con: {{device}}\n\n"
     "Si fuiste tú, no tienes que hacer nada; esta dirección puede registrarse de nuevo. Si no, "
     "alguien podía actuar en tu nombre (con tu contraseña, un dispositivo con la sesión iniciada "
     "o este buzón): protege este buzón, regístrate de nuevo y cambia esa contraseña dondequiera "
     "que la usaras.\n",
     "<p>Hola, {{name}}:</p><p>Tu cuenta de {{site}} se eliminó a petición de su titular, con sus "
     "sesiones y sus datos:</p><ul><li>Cuándo: {{when}}</li><li>Desde: {{address}}</li>"
     "<li>Con: {{device}}</li></ul><p>Si fuiste tú, no tienes que hacer nada; esta dirección puede "
     "registrarse de nuevo. Si no, alguien podía actuar en tu nombre (con tu contraseña, un "
     "dispositivo con la sesión iniciada o este buzón): protege este buzón, regístrate de nuevo y "
     "cambia esa contraseña dondequiera que la usaras.</p>"},
    {"es", "change_email", "Confirma tu nueva dirección de correo",
     "Hola, {{name}}:\n\nAlguien pidió trasladar una cuenta de {{site}} a esta "
     "dirección. Para confirmarlo, abre este enlace:\n\n{{link}}\n\nHasta entonces la cuenta "
     "conserva su dirección anterior. El enlace sirve una sola vez y caduca en 24 horas. Si no "
     "fuiste tú, ignora este mensaje: nada cambia.\n",
     "<p>Hola, {{name}}:</p><p>Alguien pidió trasladar una cuenta de {{site}} a esta "
     "dirección.</p><p><a href=\"{{link}}\">Confirmar mi nueva dirección de correo</a></p><p>"
     "Hasta entonces la cuenta conserva su dirección anterior. El enlace sirve una sola vez y "
     "caduca en 24 horas. Si no fuiste tú, ignora este mensaje: nada cambia.</p>"},
    {"es", "notice_email_changed", "Tu dirección de correo ha cambiado",
     "Hola, {{name}}:\n\nLa dirección de correo de tu cuenta de {{site}} cambió de esta "
     "dirección a {{new_email}}; el correo sobre la cuenta va ahora allí:\n\n  Cuándo: {{when}}"
     "\n  Desde: {{address}}\n  Con: {{device}}\n\nSi fuiste tú, no tienes que hacer nada. Si "
     "no, alguien podía actuar en tu nombre allí (con tu contraseña o un dispositivo con la "
     "sesión iniciada) y se ha quedado con la cuenta: avisa al soporte del sitio cuanto antes y "
     "cambia tu contraseña dondequiera que la usaras.\n",
     "<p>Hola, {{name}}:</p><p>La dirección de correo de tu cuenta de {{site}} cambió de esta "
     "dirección a {{new_email}}; el correo sobre la cuenta va ahora allí:</p><ul><li>Cuándo: "
     "{{when}}</li><li>Desde: {{address}}</li><li>Con: {{device}}</li></ul><p>Si fuiste tú, no "
     "tienes que hacer nada. Si no, alguien podía actuar en tu nombre allí (con tu contraseña o "
     "un dispositivo con la sesión iniciada) y se ha quedado con la cuenta: avisa al soporte del "
     "sitio cuanto antes y cambia tu contraseña dondequiera que la usaras.</p>"},
    {"es", "notice_email_change_attempt", "Alguien intentó usar tu dirección de correo",
     "Hola, {{name}}:\n\nAlguien pidió trasladar otra cuenta de {{site}} a esta dirección, que "
     "ya tiene una cuenta allí. No se cambió nada:\n\n  Cuándo: {{when}}\n  Desde: {{address}}"
     "\n  Con: {{device}}\n\nSi fuiste tú, inicia sesión con esta dirección. Si no, no tienes "
     "que hacer nada: tu cuenta no se ve afectada.\n",
     "<p>Hola, {{name}}:</p><p>Alguien pidió trasladar otra cuenta de {{site}} a esta dirección, "
     "que ya tiene una cuenta allí. No se cambió nada:</p><ul><li>Cuándo: {{when}}</li><li>Desde: "
     "{{address}}</li><li>Con: {{device}}</li></ul><p>Si fuiste tú, inicia sesión con esta "
     "dirección. Si no, no tienes que hacer nada: tu cuenta no se ve afectada.</p>"},
    {"es", "notice_second_factor_enabled", "Se activó el inicio de sesión en dos pasos",
     "Hola, {{name}}:\n\nSe configuró una aplicación de autenticación para tu cuenta de {{site}}: "
     "ahora, para iniciar sesión, hace falta un código de ella (o un código de recuperación) "
     "después de la contraseña:\n\n  Cuándo: {{when}}\n  Desde: {{address}}\n  Con: {{device}}\n\n"
     "Si fuiste tú, guarda tus códigos de recuperación en un lugar seguro. Si no, alguien inició "
     "sesión como tú y podría dejarte fuera: restablece tu contraseña con \"¿Olvidaste tu "
     "contraseña?\" cuanto antes.\n",
     "<p>Hola, {{name}}:</p><p>Se configuró una aplicación de autenticación para tu cuenta de "
     "{{site}}: ahora, para iniciar sesión, hace falta un código de ella (o un código de "
     "recuperación) después de la contraseña:</p><ul><li>Cuándo: {{when}}</li><li>Desde: "
     "{{address}}</li>"
     "<li>Con: {{device}}</li></ul><p>Si fuiste tú, guarda tus códigos de recuperación en un lugar "
     "seguro. Si no, alguien inició sesión como tú y podría dejarte fuera: restablece tu "
     "contraseña con \"¿Olvidaste tu contraseña?\" cuanto antes.</p>"},
    {"es", "notice_second_factor_disabled", "Se desactivó el inicio de sesión en dos pasos",
     "Hola, {{name}}:\n\nSe quitó la aplicación de autenticación de tu cuenta de {{site}}: para "
     "iniciar sesión vuelve a bastar la contraseña:\n\n  Cuándo: {{when}}\n  Desde: {{address}}\n  "
     "Con: {{device}}\n\n"
     "Si fuiste tú, no tienes que hacer nada. Si no, alguien puede iniciar sesión como tú: cambia "
     "tu contraseña ahora y vuelve a configurar la aplicación.\n",
     "<p>Hola, {{name}}:</p><p>Se quitó la aplicación de autenticación de tu cuenta de {{site}}: "
     "para iniciar sesión vuelve a bastar la contraseña:</p><ul><li>Cuándo: "
     "{{when}}</li><li>Desde: {{address}}</li>"
     "<li>Con: {{device}}</li></ul><p>Si fuiste tú, no tienes que hacer nada. Si no, alguien puede "
     "iniciar sesión como tú: cambia tu contraseña ahora y vuelve a configurar la aplicación.</p>"},
    {"es", "notice_recovery_code_used", "Se usó un código de recuperación para iniciar sesión",
     "Hola, {{name}}:\n\nSe usó uno de los códigos de recuperación de tu cuenta de {{site}} para "
     "iniciar sesión, en lugar de un código de tu aplicación de autenticación. Ese código ya no "
     "sirve:\n\n  Cuándo: {{when}}\n  Desde: {{address}}\n  Con: {{device}}\n\n"
     "Si fuiste tú, considera generar códigos de recuperación nuevos en los ajustes de tu cuenta. "
     "Si no, alguien tiene tu contraseña y un código de recuperación: cambia tu contraseña y "
     "genera códigos nuevos ahora.\n",
     "<p>Hola, {{name}}:</p><p>Se usó uno de los códigos de recuperación de tu cuenta de {{site}} "
     "para iniciar sesión, en lugar de un código de tu aplicación de autenticación. Ese código ya "
     "no sirve:</p><ul><li>Cuándo: {{when}}</li><li>Desde: {{address}}</li>"
     "<li>Con: {{device}}</li></ul><p>Si fuiste tú, considera generar códigos de recuperación "
     "nuevos en los ajustes de tu cuenta. Si no, alguien tiene tu contraseña y un código de "
     "recuperación: cambia tu contraseña y genera códigos nuevos ahora.</p>"},
    {"es", "notice_passkey_added", "Se añadió una llave de acceso a tu cuenta",
     "Hola, {{name}}:\n\nSe añadió una llave de acceso a tu cuenta de {{site}}: permite iniciar "
     "sesión sin la contraseña:\n\n  Cuándo: {{when}}\n  Desde: {{address}}\n  Con: {{device}}\n\n"
     "Si fuiste tú, no tienes que hacer nada. Si no, alguien que conoce tu contraseña añadió una "
     "forma de entrar: quita la llave en los ajustes de tu cuenta y cambia tu contraseña ahora.\n",
     "<p>Hola, {{name}}:</p><p>Se añadió una llave de acceso a tu cuenta de {{site}}: permite "
     "iniciar sesión sin la contraseña:</p><ul><li>Cuándo: {{when}}</li><li>Desde: "
     "{{address}}</li><li>Con: {{device}}</li></ul><p>Si fuiste tú, no tienes que hacer nada. Si "
     "no, alguien que conoce tu contraseña añadió una forma de entrar: quita la llave en los "
     "ajustes de tu cuenta y cambia tu contraseña ahora.</p>"},
    {"es", "notice_passkey_removed", "Se quitó una llave de acceso de tu cuenta",
     "Hola, {{name}}:\n\nSe quitó una llave de acceso de tu cuenta de {{site}}; ya no permite "
     "iniciar sesión:\n\n  Cuándo: {{when}}\n  Desde: {{address}}\n  Con: {{device}}\n\n"
     "Si fuiste tú, no tienes que hacer nada. Si no, alguien inició sesión como tú: cambia tu "
     "contraseña ahora.\n",
     "<p>Hola, {{name}}:</p><p>Se quitó una llave de acceso de tu cuenta de {{site}}; ya no "
     "permite iniciar sesión:</p><ul><li>Cuándo: {{when}}</li><li>Desde: {{address}}</li>"
     "<li>Con: {{device}}</li></ul><p>Si fuiste tú, no tienes que hacer nada. Si no, alguien "
     "inició sesión como tú: cambia tu contraseña ahora.</p>"},
    {"es", "notice_recovery_codes_replaced", "Se generaron códigos de recuperación nuevos",
     "Hola, {{name}}:\n\nSe generaron códigos de recuperación nuevos para tu cuenta de {{site}}; "
     "los anteriores ya no sirven:\n\n  Cuándo: {{when}}\n  Desde: {{address}}\n  Con: "
     "{{device}}\n\n"
     "Si fuiste tú, guarda los códigos nuevos en un lugar seguro. Si no, alguien con la sesión "
     "iniciada conoce tu contraseña y tiene los códigos nuevos: cambia tu contraseña ahora y "
     "genera códigos nuevos tú mismo.\n",
     "<p>Hola, {{name}}:</p><p>Se generaron códigos de recuperación nuevos para tu cuenta de "
     "{{site}}; los anteriores ya no sirven:</p><ul><li>Cuándo: {{when}}</li><li>Desde: "
     "{{address}}</li>"
     "<li>Con: {{device}}</li></ul><p>Si fuiste tú, guarda los códigos nuevos en un lugar seguro. "
     "Si no, alguien con la sesión iniciada conoce tu contraseña y tiene los códigos nuevos: "
     "cambia tu contraseña ahora y genera códigos nuevos tú mismo.</p>"},
};

// Site names come from nginx; only plain names may become a path component.
bool is_plain_name(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// The template file of `kind` in `locale` (en: no locale directory), for the site, else for all.
std::string part(const std::string& dir, std::string_view site, std::string_view kind,
                 std::string_view locale, const char* extension, std::string_view builtin) {
    if (!dir.empty() && is_plain_name(kind)) {
        const std::string file = (locale == kMailLocales[0] ? "" : std::string(locale) + "/") +
                                 std::string(kind) + extension;
        if (is_plain_name(site)) {
            if (auto t = read_file(dir + "/" + std::string(site) + "/" + file)) return *t;
        }
        if (auto t = read_file(dir + "/" + file)) return *t;
    }
    return std::string(builtin);
}

enum class NameChar { none, letter, mark, space };

struct NameRange {
    char32_t first, last;
    NameChar kind;
};

// Letters and marks of every script and the space separators, by Unicode category, less the
// letters and marks that render as punctuation or as nothing (scripts/gen-name-chars says which).
constexpr NameRange kNameRanges[] = {
#include "core/mail/name_chars.inc"
};

NameChar name_char(char32_t c) {
    if (c < 0x80) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '\'' || c == '-')
            return NameChar::letter;
        return c == ' ' || c == '\t' ? NameChar::space : NameChar::none;
    }
    const auto* end = std::end(kNameRanges);
    const auto* it = std::upper_bound(std::begin(kNameRanges), end, c,
                                      [](char32_t v, const NameRange& r) { return v < r.first; });
    if (it == std::begin(kNameRanges)) return NameChar::none;
    --it;
    return c <= it->last ? it->kind : NameChar::none;
}

// Decodes one UTF-8 sequence at `i` (advancing it); an invalid byte decodes as U+FFFD.
char32_t next_code_point(std::string_view s, std::size_t& i) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int length = b < 0x80           ? 1
                       : (b >> 5) == 0x6  ? 2
                       : (b >> 4) == 0xE  ? 3
                       : (b >> 3) == 0x1E ? 4
                                          : 0;
    if (length == 0 || i + length > s.size()) {
        ++i;
        return 0xFFFD;
    }
    char32_t c = length == 1 ? b : b & (0x7F >> length);
    for (int k = 1; k < length; ++k) {
        const auto cont = static_cast<unsigned char>(s[i + k]);
        if ((cont & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        c = (c << 6) | (cont & 0x3F);
    }
    i += length;
    return c;
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

}  // namespace

std::string name_for_mail(std::string_view typed) {
    std::string out;
    std::size_t kept = 0;
    bool pending_space = false;
    bool after_letter = false;  // a mark is kept only on a letter, never alone or on a space
    for (std::size_t i = 0; i < typed.size() && kept < kMailNameMax;) {
        const char32_t c = next_code_point(typed, i);
        const NameChar kind = name_char(c);
        if (kind == NameChar::space) {
            pending_space = !out.empty();
            after_letter = false;
            continue;
        }
        if (kind == NameChar::none || (kind == NameChar::mark && !after_letter)) {
            after_letter = false;
            continue;
        }
        if (pending_space) {
            if (kept + 1 >= kMailNameMax) break;
            out += ' ';
            ++kept;
            pending_space = false;
        }
        append_utf8(out, c);  // re-encoded: an overlong input sequence comes out canonical
        ++kept;
        after_letter = true;
    }
    return out;
}

std::string fill_template(std::string_view text, const TemplateVars& vars, bool html) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto open = text.find("{{", i);
        if (open == std::string_view::npos) break;
        const auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos) break;
        out.append(text.substr(i, open - i));
        std::string name(text.substr(open + 2, close - open - 2));
        while (!name.empty() && name.front() == ' ') name.erase(0, 1);
        while (!name.empty() && name.back() == ' ') name.pop_back();
        auto it = vars.find(name);
        if (it != vars.end()) out += html ? html_escape(it->second) : it->second;
        i = close + 2;
    }
    out.append(text.substr(i));
    return out;
}

MailMessage compose_mail(const std::string& template_dir, std::string_view site,
                         std::string_view kind, std::string_view requested_locale,
                         std::string_view to, const TemplateVars& vars) {
    std::string_view locale = supported_locale(requested_locale);
    if (locale.empty()) locale = kMailLocales[0];
    BuiltinTemplate builtin{locale, kind, "", "", ""};
    for (const auto& b : kBuiltins) {
        if (b.kind == kind && b.locale == kMailLocales[0] && builtin.subject.empty()) builtin = b;
        if (b.kind == kind && b.locale == locale) builtin = b;
    }
    MailMessage m;
    m.site = std::string(site);
    m.kind = std::string(kind);
    m.to = std::string(to);
    std::string subject = fill_template(
        part(template_dir, site, kind, locale, ".subject", builtin.subject), vars, false);
    for (char& c : subject) {
        if (c == '\r' || c == '\n') c = ' ';  // a template file's trailing newline, or worse
    }
    while (!subject.empty() && subject.back() == ' ') subject.pop_back();
    m.subject = subject;
    m.text =
        fill_template(part(template_dir, site, kind, locale, ".txt", builtin.text), vars, false);
    m.html =
        fill_template(part(template_dir, site, kind, locale, ".html", builtin.html), vars, true);
    if (auto it = vars.find("link"); it != vars.end()) m.link = it->second;
    return m;
}

std::span<const BuiltinTemplate> builtin_templates() {
    return kBuiltins;
}

}  // namespace latchkey
