// Submits forms marked data-autosubmit (the LTI form_post steps); the button stays for no-JS.
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });
