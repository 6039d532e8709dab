document.body.textContent = 'Pipulate';
